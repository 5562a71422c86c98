// sm.xml: instance name, router link, the domains served, storage, the
// modules to load in order, and delivery policies.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "component/link.hpp"
#include "log.hpp"
#include "storage.hpp"

namespace jng::sm {

enum class ConflictPolicy {
    kReplace,  // the new session wins; the old one ends with <conflict/> (RFC 6120 §7.7.2.2)
    kRefuse,   // the new bind fails with conflict
    kRename,   // the new session gets a server-chosen resource
};

struct SmConfig {
    std::string id = "sm-1";
    component::LinkConfig router;
    std::vector<std::string> domains;
    bool share_domains = false;  // bind with multi='true': several sm per domain
    storage::StorageConfig storage;
    std::vector<std::string> modules;
    ConflictPolicy conflict = ConflictPolicy::kReplace;
    // RFC 6121 §8.5.2.1.1: several resources with the same highest priority
    // all get a message to the bare JID (false: only the newest).
    bool deliver_to_all_highest = true;
    size_t offline_limit = 1000;  // stored messages per user
    std::chrono::seconds user_cache_ttl{300};
    // After the router link comes back, how long a c2s has to reappear before
    // its sessions are ended.
    std::chrono::seconds c2s_grace{15};
    std::string server_name = "jabberd-ng";  // disco identity
    std::vector<std::string> admins;          // bare JIDs
    size_t crypto_threads = 1;                // PBKDF2 for password changes
};

std::optional<SmConfig> load_config(const std::string& path, Log& log, bool debug);

// The modules loaded when sm.xml names none, in this order.
const std::vector<std::string>& default_modules();

}  // namespace jng::sm
