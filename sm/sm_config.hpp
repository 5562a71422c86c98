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

// What the version module tells (XEP-0092): our name only, with the version
// number, or with the operating system as well.
enum class VersionDetail { kName, kVersion, kOs };

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
    // ping: a session silent for `ping_idle` gets a ping (0: never), and is
    // ended when it does not answer within `ping_timeout` (XEP-0199 §4.2).
    std::chrono::seconds ping_idle{300};
    std::chrono::seconds ping_timeout{30};
    // version: no answer at all (XEP-0092 §5), or how much it tells.
    bool version_hidden = false;
    VersionDetail version_detail = VersionDetail::kVersion;
    // vcard, private: the largest vCard and private XML element kept, in
    // bytes of XML (64 KiB leaves room for a small XEP-0153 avatar).
    size_t vcard_max_bytes = 64 * 1024;
    size_t private_max_bytes = 64 * 1024;
    // register: PBKDF2 iterations of the credentials of a changed password.
    int register_iterations = 4096;
};

std::optional<SmConfig> load_config(const std::string& path, Log& log, bool debug);

// The modules loaded when sm.xml names none, in this order.
const std::vector<std::string>& default_modules();

}  // namespace jng::sm
