// muc.xml: the router link, the MUC services this process serves (one
// router component each), storage, service administrators, room creation
// policy, limits and the defaults of new rooms.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "component/link.hpp"
#include "config.hpp"
#include "log.hpp"
#include "room_config.hpp"
#include "storage.hpp"

namespace jng::muc {

// One MUC service: a plain XEP-0114 component reachable at its own name.
struct ServiceConfig {
    std::string jid;     // conference.example.com, normalized
    std::string name;    // disco#info identity name
    std::string secret;  // the router's secret for this name
};

enum class CreatePolicy { kAnyone, kAdmins };

struct ServiceLimits {
    ConfigLimits config;               // max occupants and history per room
    size_t max_message_bytes = 16384;  // a message to the room, serialized
    size_t max_rooms_per_user = 10;    // rooms a user may own to create another; 0: no limit
    uint64_t join_rate = 1;            // joins per second per user, on average; 0: unlimited
    uint64_t join_burst = 10;          // joins at once
};

struct MucConfig {
    std::string id = "muc";  // the name in logs
    component::LinkConfig router;
    std::vector<ServiceConfig> services;
    storage::StorageConfig storage;
    std::set<std::string> admins;  // bare JIDs: owners of every room
    CreatePolicy create = CreatePolicy::kAnyone;
    ServiceLimits limits;
    RoomConfig defaults;           // what a new room starts with
};

std::optional<MucConfig> load_config(const std::string& path, Log& log, bool debug);
// The settings part of load_config, for a document already parsed.
std::optional<MucConfig> read_config(config::Reader& reader, const std::string& path, Log& log,
                                     bool debug);

}  // namespace jng::muc
