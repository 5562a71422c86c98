// net::Stream's write path: straight to the socket when nothing is queued,
// through the bufferevent otherwise, and never out of order.
#include <catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <utility>

#include "net/loop.hpp"
#include "net/stream.hpp"
#include "run_until.hpp"

using jng::net::Loop;
using jng::net::Stream;
using jng::test::run_until;

namespace {

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Everything readable on `fd` now, appended to `out`.
void drain(int fd, std::string& out) {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
}

// A connected pair: the first end adopted by a Stream, the second for the test.
struct Pair {
    Loop loop;
    std::unique_ptr<Stream> stream;
    std::unique_ptr<Fd> peer;
    std::string closed_reason;
    bool closed = false;

    explicit Pair(int sndbuf = 0) {
        int sv[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        set_nonblocking(sv[0]);
        set_nonblocking(sv[1]);
        if (sndbuf > 0) {
            setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
            setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof sndbuf);
        }
        peer = std::make_unique<Fd>(sv[1]);
        stream = Stream::adopt(loop, sv[0], "test");
        stream->set_callbacks({.on_data = {},
                               .on_close =
                                   [this](std::string_view why) {
                                       closed = true;
                                       closed_reason = why;
                                   },
                               .on_connected = {}});
    }
};

// A non-blocking listening socket on a free loopback port.
struct Listener {
    Fd fd{::socket(AF_INET, SOCK_STREAM, 0)};
    uint16_t port = 0;

    Listener() {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd.fd, 4) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(fd.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        set_nonblocking(fd.fd);
        port = ntohs(addr.sin_port);
    }

    // The connection made to it, accepted on the first call that finds one.
    Fd* accepted() {
        if (!peer) {
            const int c = ::accept(fd.fd, nullptr, nullptr);
            if (c < 0) return nullptr;
            peer = std::make_unique<Fd>(c);
            set_nonblocking(c);
        }
        return peer.get();
    }

private:
    std::unique_ptr<Fd> peer;
};

// A second stream on the same loop, and the test's end of it.
// Callers name the two rather than bind them (auto [peer, stream]): the
// callbacks capture them, and clang 14 cannot capture a structured binding.
std::pair<std::unique_ptr<Fd>, std::unique_ptr<Stream>> another_stream(Loop& loop) {
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    set_nonblocking(sv[1]);
    return {std::make_unique<Fd>(sv[1]), Stream::adopt(loop, sv[0], "another")};
}

}  // namespace

TEST_CASE("a write that finds the socket free is on the wire before the loop turns") {
    Pair p;
    p.stream->write("<presence/>");
    CHECK(p.stream->pending_output() == 0);
    std::string got;
    drain(p.peer->fd, got);
    CHECK(got == "<presence/>");
}

TEST_CASE("writes the kernel cannot take yet are queued and arrive whole and in order") {
    Pair p(4096);
    std::string expected;
    // More than the socket takes at once: the rest waits in the buffer, and
    // every later write must queue behind it rather than jump ahead.
    std::string big(256 * 1024, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    p.stream->write(big);
    expected += big;
    REQUIRE(p.stream->pending_output() > 0);
    for (int i = 0; i < 200; ++i) {
        const std::string piece = "<m n='" + std::to_string(i) + "'/>";
        p.stream->write(piece);
        expected += piece;
    }
    std::string got;
    run_until(p.loop, [&] {
        drain(p.peer->fd, got);
        return got.size() >= expected.size();
    });
    CHECK(got == expected);
    CHECK(p.stream->pending_output() == 0);
    CHECK_FALSE(p.closed);
}

TEST_CASE("a write to a peer that has gone ends the stream with a reason") {
    std::signal(SIGPIPE, SIG_IGN);  // as daemon::run and loadgen do
    Pair p;
    p.peer.reset();
    p.stream->write("<message/>");
    run_until(p.loop, [&] { return p.closed; });
    CHECK_FALSE(p.closed_reason.empty());
}

TEST_CASE("an outbound stream keeps what is written before it is connected") {
    Loop loop;
    Listener listener;
    auto stream = Stream::connect(loop, "127.0.0.1", listener.port, std::chrono::seconds(5));
    bool connected = false;
    stream->set_callbacks(
        {.on_data = {}, .on_close = {}, .on_connected = [&] { connected = true; }});
    stream->write("<stream:stream>");  // before the connection is up
    std::string got;
    run_until(loop, [&] {
        Fd* peer = listener.accepted();
        if (!peer) return false;
        drain(peer->fd, got);
        return got == "<stream:stream>";
    });
    CHECK(connected);
}

TEST_CASE("an outbound stream closed before it connects sends what it holds and reads nothing") {
    Loop loop;
    Listener listener;
    auto stream = Stream::connect(loop, "127.0.0.1", listener.port, std::chrono::seconds(5));
    std::string read;
    std::string reason;
    stream->set_callbacks({.on_data = [&](std::string_view d) { read += d; },
                           .on_close = [&](std::string_view why) { reason = why; },
                           .on_connected = {}});
    stream->write("<bye/>");
    stream->close("done");
    std::string got;
    bool late_sent = false;
    run_until(loop, [&] {
        Fd* peer = listener.accepted();
        if (!peer) return false;
        if (!late_sent) {
            REQUIRE(::write(peer->fd, "<late/>", 7) == 7);
            late_sent = true;
        }
        drain(peer->fd, got);
        return got == "<bye/>" && !reason.empty();
    });
    CHECK(read.empty());
    CHECK(reason == "done");
}

TEST_CASE("output written inside a batch is held until the batch ends, in order") {
    Pair a;
    std::string expected;
    {
        const Loop::Batch batch(a.loop);
        for (int i = 0; i < 50; ++i) {
            const std::string piece = "<m n='" + std::to_string(i) + "'/>";
            a.stream->write(piece);
            expected += piece;
        }
        CHECK(a.stream->pending_output() == expected.size());
        {
            const Loop::Batch inner(a.loop);  // an inner batch ending releases nothing
            a.stream->write("<last/>");
            expected += "<last/>";
        }
        std::string early;
        drain(a.peer->fd, early);
        CHECK(early.empty());
    }
    CHECK(a.stream->pending_output() == 0);
    std::string got;
    drain(a.peer->fd, got);
    CHECK(got == expected);
}

TEST_CASE("closing inside a batch sends what was held first; abort drops it") {
    Pair closed;
    {
        const Loop::Batch batch(closed.loop);
        closed.stream->write("<bye/>");
        closed.stream->close("done");
        std::string got;
        drain(closed.peer->fd, got);
        CHECK(got == "<bye/>");
    }
    run_until(closed.loop, [&] { return closed.closed; });

    Pair aborted;
    {
        const Loop::Batch batch(aborted.loop);
        aborted.stream->write("<never/>");
        aborted.stream->abort("gone");
        CHECK(aborted.stream->pending_output() == 0);
    }
    run_until(aborted.loop, [&] { return aborted.closed; });
    std::string got;
    drain(aborted.peer->fd, got);
    CHECK(got.empty());
}

TEST_CASE("a stream destroyed inside a batch takes its held output with it") {
    Pair p;
    auto [other_peer, other] = another_stream(p.loop);
    {
        const Loop::Batch batch(p.loop);
        other->write("<lost/>");
        p.stream->write("<kept/>");
        other.reset();
    }
    std::string got;
    drain(p.peer->fd, got);
    CHECK(got == "<kept/>");
}

TEST_CASE("what a read callback writes leaves once the read is handled") {
    Pair in;
    auto out_pair = another_stream(in.loop);
    auto& out_peer = out_pair.first;
    auto& out = out_pair.second;
    std::string seen_inside;
    bool read = false;
    in.stream->set_callbacks({.on_data =
                                  [&](std::string_view data) {
                                      // A relay: every stanza read goes on to `out`.
                                      out->write(data);
                                      out->write("|");
                                      drain(out_peer->fd, seen_inside);
                                      read = true;
                                  },
                              .on_close = {},
                              .on_connected = {}});
    const std::string stanzas = "<a/><b/><c/>";
    REQUIRE(::write(in.peer->fd, stanzas.data(), stanzas.size()) ==
            static_cast<ssize_t>(stanzas.size()));
    run_until(in.loop, [&] { return read; });
    CHECK(seen_inside.empty());
    std::string got;
    drain(out_peer->fd, got);
    CHECK(got == stanzas + "|");
}

TEST_CASE("what the callbacks of one round write leaves together when the round ends") {
    Pair a;
    auto b_pair = another_stream(a.loop);
    auto& b_peer = b_pair.first;
    auto& b = b_pair.second;
    auto out_pair = another_stream(a.loop);
    auto& out_peer = out_pair.first;
    auto& out = out_pair.second;
    // Both are readable before the loop starts, so one wait finds both and
    // their callbacks run in the same round.
    REQUIRE(::write(a.peer->fd, "<a/>", 4) == 4);
    REQUIRE(::write(b_peer->fd, "<b/>", 4) == 4);
    std::string seen_inside;
    int reads = 0;
    const auto relay = [&](std::string_view data) {
        out->write(data);
        drain(out_peer->fd, seen_inside);
        ++reads;
    };
    a.stream->set_callbacks({.on_data = relay, .on_close = {}, .on_connected = {}});
    b->set_callbacks({.on_data = relay, .on_close = {}, .on_connected = {}});
    run_until(a.loop, [&] { return reads == 2; });
    CHECK(seen_inside.empty());
    std::string got;
    drain(out_peer->fd, got);
    CHECK((got == "<a/><b/>" || got == "<b/><a/>"));
}

TEST_CASE("a paused stream reads nothing until resumed, then everything that waited") {
    Pair p;
    std::string got;
    p.stream->set_callbacks({.on_data = [&](std::string_view data) { got += data; },
                             .on_close = {},
                             .on_connected = {}});
    p.stream->pause_reading();
    REQUIRE(::write(p.peer->fd, "<a/>", 4) == 4);
    bool waited = false;
    jng::net::Timer wait(p.loop, [&] { waited = true; });
    wait.start(std::chrono::milliseconds(50));
    run_until(p.loop, [&] { return waited; });
    CHECK(got.empty());
    p.stream->resume_reading();
    REQUIRE(::write(p.peer->fd, "<b/>", 4) == 4);
    run_until(p.loop, [&] { return got.size() == 8; });
    CHECK(got == "<a/><b/>");
}

TEST_CASE("a peer that goes away ends the stream once what it sent is read") {
    Pair p;
    std::string got;
    std::string reason;
    p.stream->set_callbacks({.on_data = [&](std::string_view data) { got += data; },
                             .on_close = [&](std::string_view why) { reason = why; },
                             .on_connected = {}});
    // More than one read takes, so the end comes after several.
    const std::string sent(64 * 1024, 'x');
    REQUIRE(::write(p.peer->fd, sent.data(), sent.size()) == static_cast<ssize_t>(sent.size()));
    p.peer.reset();
    run_until(p.loop, [&] { return !reason.empty(); });
    CHECK(got == sent);
    CHECK(reason == "connection closed by peer");
}
