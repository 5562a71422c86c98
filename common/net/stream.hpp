// One TCP connection on the loop, plain or TLS. The loop owns the socket;
// when TLS is on, ciphertext passes through a tls::Session (memory buffers)
// and the owner only ever sees plaintext.
//
// Lifetime: the owner holds the Stream; on_close is the last thing a Stream
// does, so the owner may destroy it from inside that callback (through
// Loop::defer) but must not touch it afterwards.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "net/loop.hpp"
#include "result.hpp"
#include "tls/tls.hpp"

struct bufferevent;

namespace jng::net {

class Stream {
public:
    struct Callbacks {
        std::function<void(std::string_view plaintext)> on_data;
        // Called once: the connection is gone (reason for logs).
        std::function<void(std::string_view reason)> on_close;
        // Outbound streams: the TCP connection is up.
        std::function<void()> on_connected;
    };

    // Takes ownership of an accepted socket.
    static std::unique_ptr<Stream> adopt(Loop& loop, int fd, std::string peer);
    // Starts connecting; on_connected or on_close follow. `host` may be a name.
    static std::unique_ptr<Stream> connect(Loop& loop, const std::string& host, uint16_t port,
                                           std::chrono::milliseconds timeout);

    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    void set_callbacks(Callbacks callbacks) { callbacks_ = std::move(callbacks); }

    // Queues bytes; with TLS on they are encrypted first. Inside a
    // Loop::Batch they leave when the batch ends (or before close() or
    // start_tls(), whichever comes first), in the order written.
    void write(std::string_view data);

    // From now on every byte in both directions goes through `session`.
    // Bytes already queued with write() go out in the clear before it.
    void start_tls(std::unique_ptr<tls::Session> session);
    tls::Session* tls() const { return tls_.get(); }

    // Flushes what is queued (and a TLS close_notify), then closes; on_close
    // follows. Reading stops at once.
    void close(std::string_view reason = "closed");
    // Closes now, dropping queued and held output.
    void abort(std::string_view reason);

    void pause_reading();
    void resume_reading();

    const std::string& peer() const { return peer_; }
    size_t pending_output() const;
    bool closing() const { return closing_; }
    uint64_t bytes_in() const { return bytes_in_; }

    struct Key {  // only Stream's factories construct it
    private:
        Key() = default;
        friend class Stream;
    };
    Stream(Key, Loop& loop, bufferevent* bev, std::string peer);

private:
    friend class Loop;  // hands held output back through put()
    void start_reading();
    void stop_reading();
    static void on_readable(int fd, short what, void* arg);
    static void on_write(bufferevent* bev, void* arg);
    static void on_event(bufferevent* bev, short what, void* arg);
    void after_ciphertext(const Status& fed);
    void flush_tls();
    // Writes now: encrypted with TLS on, then send().
    void put(std::string_view data);
    void send(std::string_view bytes);
    size_t queued() const;  // in the bufferevent, not counting held bytes
    void finish(std::string reason);

    struct BevDeleter {
        void operator()(bufferevent* b) const;
    };

    Loop& loop_;
    std::unique_ptr<bufferevent, BevDeleter> bev_;
    EventPtr read_event_;  // on bev_'s socket, so it goes first
    std::string peer_;
    Callbacks callbacks_;
    std::unique_ptr<tls::Session> tls_;
    std::unique_ptr<Timer> timer_;  // connect timeout, then close timeout
    std::string close_reason_;
    bool connected_ = false;
    bool closing_ = false;
    bool finished_ = false;
    bool reading_paused_ = false;
    uint64_t bytes_in_ = 0;
    ptrdiff_t held_slot_ = -1;  // in the loop's held output, while a batch is open
    Lifeline lifeline_;
};

// Sets TCP_NODELAY and keepalive on a connected socket. Replies are written in
// one piece, so Nagle only ever adds the delayed-ACK wait.
void tune_socket(int fd);

// "1.2.3.4:5222" / "[::1]:5222" for an accepted peer.
std::string describe_peer(const void* sockaddr, size_t len);

}  // namespace jng::net
