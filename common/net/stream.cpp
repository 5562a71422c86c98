// Stream on libevent bufferevents, with TLS through tls::Session.
#include "net/stream.hpp"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace jng::net {

namespace {
constexpr auto kCloseTimeout = std::chrono::seconds(5);
}

void Stream::BevDeleter::operator()(bufferevent* b) const { bufferevent_free(b); }

void tune_socket(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

std::string describe_peer(const void* sa, size_t len) {
    char host[INET6_ADDRSTRLEN] = "?";
    const auto* s = static_cast<const sockaddr*>(sa);
    if (s->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
        const auto* in = static_cast<const sockaddr_in*>(sa);
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
    }
    if (s->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
        const auto* in6 = static_cast<const sockaddr_in6*>(sa);
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
    }
    return "unknown";
}

Stream::Stream(Key, Loop& loop, bufferevent* bev, std::string peer)
    : loop_(loop), bev_(bev), peer_(std::move(peer)) {
    bufferevent_setcb(bev, nullptr, &Stream::on_write, &Stream::on_event, this);
}

Stream::~Stream() { loop_.forget(*this); }

std::unique_ptr<Stream> Stream::adopt(Loop& loop, int fd, std::string peer) {
    tune_socket(fd);
    bufferevent* bev = bufferevent_socket_new(loop.base(), fd, BEV_OPT_CLOSE_ON_FREE);
    auto s = std::make_unique<Stream>(Key{}, loop, bev, std::move(peer));
    s->connected_ = true;
    bufferevent_enable(bev, EV_WRITE);
    s->start_reading();
    return s;
}

std::unique_ptr<Stream> Stream::connect(Loop& loop, const std::string& host, uint16_t port,
                                        std::chrono::milliseconds timeout) {
    bufferevent* bev = bufferevent_socket_new(loop.base(), -1, BEV_OPT_CLOSE_ON_FREE);
    auto s = std::make_unique<Stream>(Key{}, loop, bev, host + ":" + std::to_string(port));
    Stream* raw = s.get();
    s->timer_ = std::make_unique<Timer>(loop, [raw] { raw->finish("connect timed out"); });
    s->timer_->start(timeout);
    bufferevent_enable(bev, EV_WRITE);
    if (bufferevent_socket_connect_hostname(bev, loop.dns(), AF_UNSPEC, host.c_str(), port) != 0) {
        // Report the failure from the loop, after the caller set callbacks.
        loop.defer([w = s->lifeline_.watch(), raw] {
            if (alive(w)) raw->finish("cannot start connecting");
        });
    }
    return s;
}

void Stream::write(std::string_view data) {
    if (finished_ || closing_ || data.empty()) return;
    if (loop_.batching()) {
        loop_.hold(*this, data);
        return;
    }
    put(data);
}

void Stream::put(std::string_view data) {
    if (finished_ || data.empty()) return;
    if (tls_) {
        if (auto st = tls_->write(data); !st) {
            abort(st.message());
            return;
        }
        flush_tls();
        return;
    }
    send(data);
}

void Stream::send(std::string_view data) {
    // Most replies find the socket writable and nothing queued before them:
    // written now, they cost one system call instead of the write event's
    // two epoll_ctl calls and a loop turn. What the kernel does not take
    // (or an error, which libevent then reports) goes through the buffer.
    if (connected_ && !finished_ && queued() == 0) {
        const ssize_t n = ::send(bufferevent_getfd(bev_.get()), data.data(), data.size(),
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) data.remove_prefix(static_cast<size_t>(n));
        if (data.empty()) return;
    }
    bufferevent_write(bev_.get(), data.data(), data.size());
}

void Stream::flush_tls() {
    // A fresh string each time: the session hands its buffer over, and an
    // idle stream keeps none.
    std::string records;
    tls_->drain(records);
    if (!records.empty()) send(records);
}

void Stream::start_tls(std::unique_ptr<tls::Session> session) {
    loop_.release(*this);  // written before: in the clear
    tls_ = std::move(session);
    flush_tls();  // a client's ClientHello
}

void Stream::start_reading() {
    // Reads bypass the bufferevent: libevent asks the kernel how much is
    // waiting (an ioctl) before every read and copies through its buffer;
    // here one recv() lands in the loop's scratch buffer and is handed on
    // from there. Writes still go through the bufferevent.
    read_event_.reset(event_new(loop_.base(), bufferevent_getfd(bev_.get()), EV_READ | EV_PERSIST,
                                &Stream::on_readable, this));
    // A stream closed while it was connecting reads nothing.
    if (!reading_paused_ && !closing_) event_add(read_event_.get(), nullptr);
}

void Stream::stop_reading() {
    if (read_event_) event_del(read_event_.get());
}

void Stream::on_readable(int fd, short /*what*/, void* arg) {
    auto* self = static_cast<Stream*>(arg);
    if (self->closing_ || self->finished_) {
        // Unread bytes would wake a level-triggered loop every round.
        self->stop_reading();
        return;
    }
    const std::span<char> buf = self->loop_.read_buffer();
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n == 0) {
        self->finish("connection closed by peer");
        return;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        self->finish(evutil_socket_error_to_string(errno));
        return;
    }
    // The scratch buffer is the loop's: the callback may close or destroy
    // this stream and the bytes stay valid until it returns.
    const std::string_view data(buf.data(), static_cast<size_t>(n));
    self->bytes_in_ += data.size();
    if (self->tls_) {
        self->after_ciphertext(self->tls_->feed(data));
    } else if (self->callbacks_.on_data) {
        self->callbacks_.on_data(data);
    }
}

void Stream::after_ciphertext(const Status& fed) {
    const auto watch = lifeline_.watch();
    if (!fed) {
        flush_tls();  // a TLS alert, if the backend produced one
        close(std::string("TLS error: ") + fed.message());
        return;
    }
    flush_tls();
    std::string plain;
    tls_->read(plain);
    if (!plain.empty() && callbacks_.on_data) {
        callbacks_.on_data(plain);
        if (!alive(watch)) return;
    }
    if (tls_ && tls_->peer_closed() && !closing_ && !finished_) close("peer sent close_notify");
}

void Stream::on_write(bufferevent* /*bev*/, void* arg) {
    auto* self = static_cast<Stream*>(arg);
    if (self->closing_ && self->pending_output() == 0) self->finish(self->close_reason_);
}

void Stream::on_event(bufferevent* bev, short what, void* arg) {
    auto* self = static_cast<Stream*>(arg);
    if (what & BEV_EVENT_CONNECTED) {
        self->connected_ = true;
        self->timer_.reset();
        tune_socket(bufferevent_getfd(bev));
        self->start_reading();
        if (self->callbacks_.on_connected) self->callbacks_.on_connected();
        return;
    }
    if (what & BEV_EVENT_ERROR) {
        std::string reason;
        if (const int dns_err = bufferevent_socket_get_dns_error(bev); dns_err != 0) {
            reason = std::string("cannot resolve: ") + evutil_gai_strerror(dns_err);
        } else {
            reason = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
        }
        self->finish(reason);
    }
}

void Stream::close(std::string_view reason) {
    if (closing_ || finished_) return;
    loop_.release(*this);
    closing_ = true;
    close_reason_ = reason;
    stop_reading();
    if (tls_) {
        tls_->shutdown();
        flush_tls();
    }
    if (pending_output() == 0) {
        // Finish from the loop, so the caller's stack unwinds first.
        loop_.defer([w = lifeline_.watch(), this] {
            if (alive(w)) finish(close_reason_);
        });
        return;
    }
    timer_ = std::make_unique<Timer>(loop_, [this] { finish(close_reason_ + " (flush timed out)"); });
    timer_->start(kCloseTimeout);
}

void Stream::abort(std::string_view reason) {
    if (finished_) return;
    loop_.forget(*this);
    closing_ = true;
    close_reason_ = reason;
    loop_.defer([w = lifeline_.watch(), this] {
        if (alive(w)) finish(close_reason_);
    });
}

void Stream::finish(std::string reason) {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    timer_.reset();
    stop_reading();
    bufferevent_disable(bev_.get(), EV_WRITE);
    ::shutdown(bufferevent_getfd(bev_.get()), SHUT_RDWR);
    // The callback goes last: it may destroy this object.
    auto on_close = std::move(callbacks_.on_close);
    callbacks_ = {};
    if (on_close) on_close(reason);
}

void Stream::pause_reading() {
    reading_paused_ = true;
    stop_reading();
}

void Stream::resume_reading() {
    if (!reading_paused_ || closing_) return;
    reading_paused_ = false;
    // Nothing read waits anywhere: every read was handed on whole.
    if (read_event_) event_add(read_event_.get(), nullptr);
}

size_t Stream::queued() const { return evbuffer_get_length(bufferevent_get_output(bev_.get())); }

size_t Stream::pending_output() const { return queued() + loop_.held_size(*this); }

}  // namespace jng::net
