// Loop, Timer and signal handling on libevent.
#include "net/loop.hpp"

#include <event2/dns.h>
#include <event2/event.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "net/stream.hpp"

namespace jng::net {

namespace {
// What release_held() keeps for the next batch; a burst larger than this
// gives its memory back.
constexpr size_t kKeptHeldSlots = 64;
constexpr size_t kKeptHeldBytes = 64 * 1024;
// As much as libevent read at once: a flooding peer gets no more per round.
constexpr size_t kReadSize = 16 * 1024;
}  // namespace

void EventDeleter::operator()(event* e) const { event_free(e); }
void Loop::BaseDeleter::operator()(event_base* b) const { event_base_free(b); }
void Loop::DnsDeleter::operator()(evdns_base* d) const { evdns_base_free(d, 1); }

struct Loop::SignalHandler {
    std::function<void()> fn;
    EventPtr ev;
};

Loop::Loop() : base_(event_base_new()) {
    if (!base_) throw std::runtime_error("event_base_new failed");
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
    wake_event_.reset(event_new(base(), wake_fd_, EV_READ | EV_PERSIST, &Loop::on_wake, this));
    event_add(wake_event_.get(), nullptr);
    defer_event_.reset(event_new(base(), -1, 0, &Loop::on_deferred, this));
}

Loop::~Loop() {
    signals_.clear();
    wake_event_.reset();
    defer_event_.reset();
    dns_.reset();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

evdns_base* Loop::dns() {
    if (!dns_) dns_.reset(evdns_base_new(base(), EVDNS_BASE_INITIALIZE_NAMESERVERS));
    return dns_.get();
}

void Loop::run() {
    // A round at a time (one wait, then every callback it made ready), each
    // inside a batch: what the round wrote leaves when it ends, so the
    // stanzas a c2s reads from fifty clients in one round reach the router
    // in one send(), not fifty, and the router reads them in one piece.
    for (;;) {
        int rc;
        {
            const Batch round(*this);
            rc = event_base_loop(base(), EVLOOP_ONCE);
        }
        if (rc != 0 || event_base_got_exit(base()) || event_base_got_break(base())) return;
    }
}

void Loop::stop() { event_base_loopexit(base(), nullptr); }

void Loop::defer(std::function<void()> fn) {
    deferred_.push_back(std::move(fn));
    if (deferred_.size() == 1) event_active(defer_event_.get(), 0, 0);
}

void Loop::on_deferred(int, short, void* arg) {
    auto* self = static_cast<Loop*>(arg);
    // Callbacks may defer more work; that runs in the next round.
    auto calls = std::move(self->deferred_);
    self->deferred_.clear();
    for (auto& fn : calls) fn();
}

void Loop::hold(Stream& stream, std::string_view bytes) {
    if (stream.held_slot_ < 0) {
        if (held_used_ == held_.size()) held_.emplace_back();
        stream.held_slot_ = static_cast<ptrdiff_t>(held_used_++);
        held_[static_cast<size_t>(stream.held_slot_)].stream = &stream;
    }
    held_[static_cast<size_t>(stream.held_slot_)].bytes.append(bytes);
}

size_t Loop::held_size(const Stream& stream) const {
    if (stream.held_slot_ < 0) return 0;
    return held_[static_cast<size_t>(stream.held_slot_)].bytes.size();
}

Loop::Held* Loop::detach(Stream& stream) {
    if (stream.held_slot_ < 0) return nullptr;
    Held& h = held_[static_cast<size_t>(stream.held_slot_)];
    h.stream = nullptr;
    stream.held_slot_ = -1;
    return &h;
}

void Loop::release(Stream& stream) {
    if (Held* h = detach(stream)) {
        stream.put(h->bytes);
        h->bytes.clear();
    }
}

void Loop::forget(Stream& stream) {
    if (Held* h = detach(stream)) h->bytes.clear();
}

void Loop::release_held() {
    // put() never holds (no batch is open now) and never runs a callback
    // that could destroy another stream, so the slots stay as they are.
    for (size_t i = 0; i < held_used_; ++i) {
        Held& h = held_[i];
        if (h.stream != nullptr) release(*h.stream);
        if (h.bytes.capacity() > kKeptHeldBytes) std::string().swap(h.bytes);
    }
    held_used_ = 0;
    if (held_.size() > kKeptHeldSlots) held_.resize(kKeptHeldSlots);
}

std::span<char> Loop::read_buffer() {
    if (read_buffer_.empty()) read_buffer_.resize(kReadSize);
    return read_buffer_;
}

void Loop::post(std::function<void()> fn) {
    bool first;
    {
        std::lock_guard lock(posted_mutex_);
        first = posted_.empty();
        posted_.push_back(std::move(fn));
    }
    if (first) {
        const uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
    }
}

void Loop::on_wake(int fd, short, void* arg) {
    uint64_t count;
    while (::read(fd, &count, sizeof count) > 0) {
    }
    static_cast<Loop*>(arg)->run_posted();
}

void Loop::run_posted() {
    std::vector<std::function<void()>> calls;
    {
        std::lock_guard lock(posted_mutex_);
        calls.swap(posted_);
    }
    for (auto& fn : calls) fn();
}

void Loop::on_signal(int signo, std::function<void()> fn) {
    auto h = std::make_unique<SignalHandler>();
    h->fn = std::move(fn);
    h->ev.reset(evsignal_new(
        base(), signo, [](int, short, void* arg) { static_cast<SignalHandler*>(arg)->fn(); },
        h.get()));
    event_add(h->ev.get(), nullptr);
    signals_.push_back(std::move(h));
}

Timer::Timer(Loop& loop, std::function<void()> fn)
    : fn_(std::move(fn)), event_(event_new(loop.base(), -1, 0, &Timer::on_fire, this)) {}

Timer::~Timer() = default;

void Timer::start(std::chrono::milliseconds delay) {
    event_del(event_.get());
    event_assign(event_.get(), event_get_base(event_.get()), -1, 0, &Timer::on_fire, this);
    const timeval tv{static_cast<time_t>(delay.count() / 1000),
                     static_cast<suseconds_t>((delay.count() % 1000) * 1000)};
    event_add(event_.get(), &tv);
}

void Timer::start_repeating(std::chrono::milliseconds interval) {
    event_del(event_.get());
    event_assign(event_.get(), event_get_base(event_.get()), -1, EV_PERSIST, &Timer::on_fire, this);
    const timeval tv{static_cast<time_t>(interval.count() / 1000),
                     static_cast<suseconds_t>((interval.count() % 1000) * 1000)};
    event_add(event_.get(), &tv);
}

void Timer::stop() { event_del(event_.get()); }

bool Timer::active() const { return event_pending(event_.get(), EV_TIMEOUT, nullptr) != 0; }

void Timer::on_fire(int, short, void* arg) { static_cast<Timer*>(arg)->fn_(); }

}  // namespace jng::net
