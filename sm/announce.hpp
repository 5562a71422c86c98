// The announce module's rules, apart from the module so that they can be
// tested alone: which resource of a domain does what, and when a user is
// due the message of the day.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace jng::sm::announce {

enum class Target {
    kNone,        // not an announcement resource
    kUnknown,     // under announce/, but nothing we know
    kOnline,      // announce/online: every available user, now
    kMotd,        // announce/motd (jabberd2: announce): set and send to everyone online
    kMotdUpdate,  // announce/motd/update: set, for the next logins only
    kMotdDelete,  // announce/motd/delete: remove
};

// What a message to <domain/resource> asks for.
Target target(std::string_view resource);

// Whether a user who last got the message of the day at `last_seen`
// (nullopt: never) is due the one set at `motd_time`.
bool due(int64_t motd_time, std::optional<int64_t> last_seen);

// The time to store with a new message of the day set at `now` when the
// previous one (if any) carried `previous`: never earlier than now, and
// always later than the previous one, so that a user who got the previous
// one is due the new one even when both were set within one second.
int64_t next_time(int64_t now, std::optional<int64_t> previous);

}  // namespace jng::sm::announce
