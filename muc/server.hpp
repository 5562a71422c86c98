// The muc daemon: storage, the rooms' writes, and one Service per MUC
// service in muc.xml. Ready (sd_notify) once every service is connected to
// the router under its name.
#pragma once

#include <memory>
#include <vector>

#include "log.hpp"
#include "muc_config.hpp"
#include "net/loop.hpp"
#include "result.hpp"
#include "room_store.hpp"
#include "service.hpp"
#include "storage.hpp"

namespace jng::muc {

class Server {
public:
    Server(net::Loop& loop, Log& log, MucConfig config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    Status start();
    // SIGTERM: occupants learn the service is shutting down (332), the
    // router links close, and every room write still queued is finished.
    void shutdown();

private:
    void service_ready();

    net::Loop& loop_;
    Log& log_;
    MucConfig config_;
    // Declared in the order they depend on each other: services use the
    // store, the store uses storage.
    std::unique_ptr<storage::Storage> storage_;
    std::unique_ptr<RoomStore> store_;
    std::vector<std::unique_ptr<Service>> services_;
    size_t ready_ = 0;
};

}  // namespace jng::muc
