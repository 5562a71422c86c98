// Server: start-up and shutdown of the muc daemon.
#include "server.hpp"

#include <fmt/format.h>

#include "systemd.hpp"

namespace jng::muc {

Server::Server(net::Loop& loop, Log& log, MucConfig config)
    : loop_(loop), log_(log), config_(std::move(config)) {}

Server::~Server() {
    services_.clear();
    store_.reset();
}

Status Server::start() {
    auto factory = storage::make_factory(config_.storage);
    if (!factory) return fail("storage: " + factory.message());
    log_.info("storage: {}", (*factory)->describe());
    storage_ = std::make_unique<storage::Storage>(loop_, log_, std::move(*factory),
                                                  config_.storage.connections);
    store_ = std::make_unique<RoomStore>(loop_, log_, *storage_);
    for (const ServiceConfig& s : config_.services) {
        services_.push_back(std::make_unique<Service>(loop_, log_, config_, s, *store_,
                                                      [this] { service_ready(); }));
    }
    for (auto& s : services_) s->start();
    return {};
}

void Server::service_ready() {
    if (++ready_ != services_.size()) return;
    std::vector<std::string> names;
    for (const auto& s : services_) names.push_back(s->jid());
    systemd::notify_ready("serving " + fmt::format("{}", fmt::join(names, " ")));
}

void Server::shutdown() {
    for (auto& s : services_) s->shutdown();
    if (store_ && store_->pending() > 0) {
        log_.info("storage: finishing {} room writes", store_->pending());
    }
    if (storage_) storage_->drain();
}

}  // namespace jng::muc
