// Listener on evconnlistener.
#include "net/listener.hpp"

#include <event2/listener.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "net/stream.hpp"

namespace jng::net {

void Listener::Deleter::operator()(evconnlistener* l) const { evconnlistener_free(l); }

Listener::~Listener() = default;

Result<std::unique_ptr<Listener>> Listener::bind(Loop& loop, Log& log, const std::string& address,
                                                 uint16_t port, bool reuse_port,
                                                 AcceptFn on_accept) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = getaddrinfo(address.empty() ? nullptr : address.c_str(), service.c_str(),
                                   &hints, &res);
        rc != 0) {
        return fail("cannot resolve listen address '" + address + "': " + gai_strerror(rc));
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, &freeaddrinfo);

    auto l = std::make_unique<Listener>(loop, log);
    l->on_accept_ = std::move(on_accept);
    l->address_ = address;
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
    if (reuse_port) flags |= LEV_OPT_REUSEABLE_PORT;
    auto cb = [](evconnlistener*, evutil_socket_t fd, sockaddr* sa, int len, void* arg) {
        auto* self = static_cast<Listener*>(arg);
        self->on_accept_(fd, describe_peer(sa, static_cast<size_t>(len)));
    };
    evconnlistener* raw = evconnlistener_new_bind(loop.base(), cb, l.get(), flags, 512,
                                                  res->ai_addr, static_cast<int>(res->ai_addrlen));
    if (!raw) {
        return fail("cannot listen on " + address + ":" + service + ": " + std::strerror(errno));
    }
    l->listener_.reset(raw);
    // When the process runs out of descriptors, accept() fails in a loop;
    // stop accepting for a moment instead of spinning.
    evconnlistener_set_error_cb(raw, [](evconnlistener* lev, void* arg) {
        auto* self = static_cast<Listener*>(arg);
        const int err = EVUTIL_SOCKET_ERROR();
        self->log_.warning("accept on {}:{} failed: {}; pausing for 1 s", self->address_,
                           self->port_, evutil_socket_error_to_string(err));
        evconnlistener_disable(lev);
        if (!self->backoff_) {
            self->backoff_ = std::make_unique<Timer>(self->loop_, [self] {
                evconnlistener_enable(self->listener_.get());
            });
        }
        self->backoff_->start(std::chrono::seconds(1));
    });
    sockaddr_storage bound{};
    socklen_t blen = sizeof bound;
    getsockname(evconnlistener_get_fd(raw), reinterpret_cast<sockaddr*>(&bound), &blen);
    l->port_ = bound.ss_family == AF_INET6
                   ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                   : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return l;
}

}  // namespace jng::net
