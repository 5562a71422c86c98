// Loading router.xml and router-users.xml.
#include "router_config.hpp"

#include "daemon.hpp"

namespace jng::router {

namespace {
bool wildcard_match(std::string_view pattern, std::string_view name) {
    if (pattern == "*") return true;
    if (pattern.starts_with("*.")) {
        return name.size() > pattern.size() - 1 && name.ends_with(pattern.substr(1));
    }
    if (pattern.ends_with('*')) return name.starts_with(pattern.substr(0, pattern.size() - 1));
    return pattern == name;
}
}  // namespace

bool ComponentAcl::matches(std::string_view primary) const {
    return wildcard_match(name, primary);
}

bool ComponentAcl::may_bind_name(std::string_view bind_name) const {
    for (const auto& p : may_bind) {
        if (wildcard_match(p, bind_name)) return true;
    }
    return false;
}

const ComponentAcl* RouterConfig::acl_for(std::string_view primary) const {
    // Exact names win over patterns, whatever their order in the file.
    for (const auto& c : components) {
        if (c.name == primary) return &c;
    }
    for (const auto& c : components) {
        if (c.matches(primary)) return &c;
    }
    return nullptr;
}

std::optional<std::vector<ComponentAcl>> load_users(const std::string& path, Log& log) {
    auto doc = daemon::load_config(path, log);
    if (!doc) return std::nullopt;
    config::Reader r(*doc);
    std::vector<ComponentAcl> out;
    for (const config::Node* n : r.all("component")) {
        config::Reader c = r.at(*n);
        ComponentAcl acl;
        acl.name = c.required_string("@name");
        acl.secret = c.required_string("@secret");
        if (acl.secret.size() < 8 && !acl.secret.empty()) {
            c.error(*n, "secret of '" + acl.name + "' is shorter than 8 characters");
        }
        for (const config::Node* b : c.all("bind")) {
            acl.may_bind.push_back(c.at(*b).required_string("@name"));
        }
        acl.default_route = c.node("default-route") != nullptr;
        acl.envelopes = c.node("envelopes") != nullptr;
        for (const auto& other : out) {
            if (other.name == acl.name) c.error(*n, "component '" + acl.name + "' listed twice");
        }
        out.push_back(std::move(acl));
    }
    r.reject_unknown();
    if (!daemon::report(r, log)) return std::nullopt;
    return out;
}

std::optional<RouterConfig> load_config(const std::string& path, Log& log, bool debug) {
    auto doc = daemon::load_config(path, log);
    if (!doc) return std::nullopt;
    config::Reader r(*doc);
    RouterConfig c;
    daemon::configure_log(r, log, debug);
    c.id = r.string("id", "router");
    c.address = r.string("listen@address", "127.0.0.1");
    c.port = static_cast<uint16_t>(r.integer("listen@port", 5347, 1, 65535));
    c.reuse_port = r.boolean("listen@reuse-port", false);
    c.users_path = daemon::relative_to(path, r.string("users", "router-users.xml"));
    c.max_stanza_bytes =
        static_cast<size_t>(r.integer("limits@max-stanza-bytes", 1024 * 1024, 4096, 64 << 20));
    c.handshake_timeout = std::chrono::seconds(r.integer("limits@handshake-timeout", 10, 1, 600));
    c.output_limit_bytes = static_cast<size_t>(
        r.integer("limits@output-queue-bytes", 16 << 20, 64 * 1024, int64_t{4} << 30));
    c.karma_rate = static_cast<uint64_t>(r.integer("karma@bytes-per-second", 0, 0, int64_t{1} << 40));
    c.karma_burst = static_cast<uint64_t>(r.integer("karma@burst", 0, 0, int64_t{1} << 40));
    r.reject_unknown();
    if (!daemon::report(r, log)) return std::nullopt;
    auto users = load_users(c.users_path, log);
    if (!users) return std::nullopt;
    c.components = std::move(*users);
    return c;
}

}  // namespace jng::router
