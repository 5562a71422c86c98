// The one libevent loop of a daemon, and the small owned handles around it:
// timers, signal handlers, deferred calls, and a thread-safe way for workers
// to hand results back to the loop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct event_base;
struct event;
struct evdns_base;

namespace jng::net {

class Stream;

struct EventDeleter {
    void operator()(event* e) const;
};
using EventPtr = std::unique_ptr<event, EventDeleter>;

class Loop {
public:
    Loop();
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    event_base* base() const { return base_.get(); }
    evdns_base* dns();  // created on first use

    // Runs until stop() or nothing is left to wait for.
    void run();
    void stop();

    // Runs `fn` on the loop after the current callback returns. Used to
    // destroy objects whose own callback is still on the stack.
    void defer(std::function<void()> fn);

    // Thread-safe: queues `fn` to run on the loop thread and wakes it.
    void post(std::function<void()> fn);

    // Calls `fn` on the loop whenever signal `signo` arrives.
    void on_signal(int signo, std::function<void()> fn);

    // While one is alive, what streams write is held and sent when the
    // outermost ends: a router that reads fifty stanzas for the sm in one
    // chunk hands them to the kernel in one system call, not fifty. run()
    // keeps one open over each round of the loop.
    class Batch {
    public:
        explicit Batch(Loop& loop) : loop_(loop) { ++loop_.batch_depth_; }
        ~Batch() {
            if (--loop_.batch_depth_ == 0) loop_.release_held();
        }
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;

    private:
        Loop& loop_;
    };
    bool batching() const { return batch_depth_ > 0; }

    // Where streams read into: one buffer for the loop, since a read is
    // handed on whole before the next one starts.
    std::span<char> read_buffer();

private:
    friend class Stream;
    // Held output of one stream; stream is null once it is gone.
    struct Held {
        Stream* stream = nullptr;
        std::string bytes;
    };
    void hold(Stream& stream, std::string_view bytes);
    size_t held_size(const Stream& stream) const;
    // Hands the stream's held bytes back to it now (before it closes or
    // starts TLS) and forgets them.
    void release(Stream& stream);
    void forget(Stream& stream);
    // The stream's slot, no longer its own; null when it holds nothing.
    Held* detach(Stream& stream);
    void release_held();

    struct BaseDeleter {
        void operator()(event_base* b) const;
    };
    struct DnsDeleter {
        void operator()(evdns_base* d) const;
    };
    static void on_wake(int fd, short, void* arg);
    static void on_deferred(int, short, void* arg);
    void run_posted();

    std::unique_ptr<event_base, BaseDeleter> base_;
    std::unique_ptr<evdns_base, DnsDeleter> dns_;
    int wake_fd_ = -1;  // eventfd
    EventPtr wake_event_;
    EventPtr defer_event_;
    std::mutex posted_mutex_;
    std::vector<std::function<void()>> posted_;
    std::vector<std::function<void()>> deferred_;
    struct SignalHandler;
    std::vector<std::unique_ptr<SignalHandler>> signals_;
    int batch_depth_ = 0;
    std::vector<Held> held_;  // slots in use first; the rest keep their buffers
    size_t held_used_ = 0;
    std::vector<char> read_buffer_;
};

// A one-shot or repeating timer; stops when destroyed.
class Timer {
public:
    Timer(Loop& loop, std::function<void()> fn);
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    void start(std::chrono::milliseconds delay);
    void start_repeating(std::chrono::milliseconds interval);
    void stop();
    bool active() const;

private:
    static void on_fire(int, short, void* arg);
    std::function<void()> fn_;
    EventPtr event_;
};

// Handed to callbacks that may outlive their owner: the owner holds the
// Lifeline, the callback holds a Lifeline::Watch and checks it first.
class Lifeline {
public:
    using Watch = std::weak_ptr<const char>;
    Lifeline() : token_(std::make_shared<const char>(0)) {}
    Lifeline(const Lifeline&) = delete;
    Lifeline& operator=(const Lifeline&) = delete;
    Watch watch() const { return token_; }

private:
    std::shared_ptr<const char> token_;
};

inline bool alive(const Lifeline::Watch& w) { return !w.expired(); }

}  // namespace jng::net
