// A listening TCP socket that hands accepted connections to a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "log.hpp"
#include "net/loop.hpp"
#include "result.hpp"

struct evconnlistener;

namespace jng::net {

class Listener {
public:
    using AcceptFn = std::function<void(int fd, std::string peer)>;

    // `reuse_port`: SO_REUSEPORT, so several processes (c2s instances) can
    // share one port and the kernel spreads connections over them.
    static Result<std::unique_ptr<Listener>> bind(Loop& loop, Log& log, const std::string& address,
                                                  uint16_t port, bool reuse_port, AcceptFn on_accept);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    uint16_t port() const { return port_; }  // the bound port (useful with port 0)
    const std::string& address() const { return address_; }

    Listener(Loop& loop, Log& log) : loop_(loop), log_(log) {}  // use bind()

private:
    struct Deleter {
        void operator()(evconnlistener* l) const;
    };
    Loop& loop_;
    Log& log_;
    std::unique_ptr<evconnlistener, Deleter> listener_;
    AcceptFn on_accept_;
    std::string address_;
    uint16_t port_ = 0;
    std::unique_ptr<Timer> backoff_;
};

}  // namespace jng::net
