// Non-blocking connect with a bound source address, on a libevent event.
#include "connector.hpp"

#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace jng::loadgen {

UniqueFd::~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

Connector::Connector(net::Loop& loop, OnConnected on_connected, OnFailed on_failed)
    : loop_(loop), on_connected_(std::move(on_connected)), on_failed_(std::move(on_failed)) {}

Connector::~Connector() = default;

void Connector::report_failure(std::string reason) {
    // Out of the member first: the callback may destroy this Connector.
    auto on_failed = std::move(on_failed_);
    on_connected_ = nullptr;
    if (on_failed) on_failed(std::move(reason));
}

void Connector::fail_later(std::string reason) {
    loop_.defer([w = lifeline_.watch(), this, reason = std::move(reason)]() mutable {
        if (net::alive(w)) report_failure(std::move(reason));
    });
}

void Connector::start(const Endpoint& target, const Endpoint* source,
                      std::chrono::milliseconds timeout) {
    peer_ = target.text;
    UniqueFd fd(::socket(target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
        fail_later(std::string("socket: ") + std::strerror(errno));
        return;
    }
    if (source) {
        // Leave the port to connect(), which only needs the 4-tuple to be
        // unique; bind() would reserve a port per source address outright.
        int one = 1;
        setsockopt(fd.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&source->addr), source->len) != 0) {
            fail_later("bind " + source->text + ": " + std::strerror(errno));
            return;
        }
    }
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&target.addr), target.len) != 0 &&
        errno != EINPROGRESS) {
        fail_later(std::string("connect: ") + std::strerror(errno));
        return;
    }
    fd_ = std::move(fd);
    event_.reset(event_new(loop_.base(), fd_.get(), EV_WRITE, &Connector::on_event, this));
    const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                     static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    event_add(event_.get(), &tv);
}

void Connector::on_event(int fd, short what, void* arg) {
    auto* self = static_cast<Connector*>(arg);
    if (what & EV_TIMEOUT) {
        self->report_failure("connect: timed out");
        return;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
        self->report_failure(std::string("connect: ") + std::strerror(err));
        return;
    }
    self->event_.reset();
    // Stream::adopt sets TCP_NODELAY (and keepalive) on the socket.
    auto stream = net::Stream::adopt(self->loop_, self->fd_.release(), self->peer_);
    auto on_connected = std::move(self->on_connected_);
    self->on_failed_ = nullptr;
    on_connected(std::move(stream));
}

}  // namespace jng::loadgen
