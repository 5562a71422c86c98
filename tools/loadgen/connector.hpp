// Opens one TCP connection from a chosen loopback source address and hands
// the connected socket over as a net::Stream. net::Stream::connect cannot
// bind a source address; spreading connections over 127.0.0.x is how one
// machine opens more connections to one port than a single source address
// has ephemeral ports.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "address.hpp"
#include "net/loop.hpp"
#include "net/stream.hpp"

namespace jng::loadgen {

// Owns a file descriptor; closes it unless released.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd();
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_ = -1;
};

class Connector {
public:
    // Exactly one of the two is called, once, from the loop (never from
    // inside start()); the Connector may be destroyed from either.
    using OnConnected = std::function<void(std::unique_ptr<net::Stream>)>;
    using OnFailed = std::function<void(std::string reason)>;

    Connector(net::Loop& loop, OnConnected on_connected, OnFailed on_failed);
    ~Connector();
    Connector(const Connector&) = delete;
    Connector& operator=(const Connector&) = delete;

    // `source` may be null: the kernel picks the source address.
    void start(const Endpoint& target, const Endpoint* source, std::chrono::milliseconds timeout);

private:
    static void on_event(int fd, short what, void* arg);
    void report_failure(std::string reason);
    void fail_later(std::string reason);

    net::Loop& loop_;
    OnConnected on_connected_;
    OnFailed on_failed_;
    UniqueFd fd_;
    net::EventPtr event_;
    std::string peer_;
    net::Lifeline lifeline_;
};

}  // namespace jng::loadgen
