// Persistent rooms in storage/ (the muc-rooms and muc-affiliations
// collections): a room as a storage::MucRoom and back, and the writes of
// one process, kept in order per room and retried until the database takes
// them. Whoever waits on a write hears once: when it is in the database,
// or when its first attempt failed (the retries go on).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "log.hpp"
#include "net/loop.hpp"
#include "result.hpp"
#include "room.hpp"
#include "storage.hpp"

namespace jng::muc {

// What is stored of a room: its configuration as a muc#roomconfig
// submission, its subject and its affiliations. Occupants and history are
// not: they belong to the visit, not the room.
storage::MucRoom to_stored(const Room& room, const ConfigLimits& limits);

// A stored room, with `defaults` for whatever its stored form lacks.
Result<std::unique_ptr<Room>> from_stored(RoomHost& host, const std::string& service,
                                          const storage::MucRoom& stored,
                                          const RoomConfig& defaults);

class RoomStore {
public:
    using Loaded = std::function<void(Result<std::vector<storage::MucRoom>>)>;
    using Stored = std::function<void(const Status&)>;

    RoomStore(net::Loop& loop, Log& log, storage::Storage& storage);
    RoomStore(const RoomStore&) = delete;
    RoomStore& operator=(const RoomStore&) = delete;

    // Every stored room of `service`; `done` runs on the loop.
    void load(const std::string& service, Loaded done);
    // Stores the room as it is now, replacing what was stored. `stored`
    // (optional) runs on the loop once this write, or a later one of the
    // same room that includes it, reached the database - or failed.
    void save(const std::string& service, storage::MucRoom room, Stored stored = {});
    void remove(const std::string& service, const std::string& room, Stored stored = {});

    // Writes not yet in the database (in flight, or waiting for a retry).
    size_t pending() const { return writes_.size(); }

private:
    struct Write {
        std::string service;
        std::string room;
        std::optional<storage::MucRoom> value;  // nullopt: remove the room
        uint64_t generation = 0;
        bool failed = false;
        std::vector<Stored> waiting;
    };
    Write& next_write(const std::string& service, const std::string& room, Stored stored);
    void submit(const std::string& key);
    void finished(const std::string& key, uint64_t generation, const Status& status);
    void retry();

    Log& log_;
    storage::Storage& storage_;
    std::map<std::string, Write> writes_;  // the latest write per "service/room"
    uint64_t next_generation_ = 0;
    std::chrono::milliseconds backoff_;
    net::Timer retry_timer_;
    net::Lifeline lifeline_;  // completions arriving after we are gone do nothing
};

}  // namespace jng::muc
