// Loading muc.xml.
#include "muc_config.hpp"

#include "daemon.hpp"
#include "jid.hpp"
#include "storage_config.hpp"

namespace jng::muc {
namespace {

void read_services(config::Reader& r, MucConfig& c) {
    for (const config::Node* n : r.all("service")) {
        config::Reader s = r.at(*n);
        ServiceConfig service;
        const std::string raw = s.required_string("@jid");
        service.name = s.string("@name", "Chatrooms");
        service.secret = s.string("@secret", c.router.secret);
        if (raw.empty()) continue;
        auto jid = jid::nameprep(raw);
        if (!jid) {
            s.error(*n, "service jid '" + raw + "' is not a domain: " + jid.message());
            continue;
        }
        service.jid = *jid;
        for (const ServiceConfig& other : c.services) {
            if (other.jid == service.jid) s.error(*n, "service " + service.jid + " listed twice");
        }
        c.services.push_back(std::move(service));
    }
    if (c.services.empty()) r.error("at least one <service jid='…'/> is required");
}

void read_admins(config::Reader& r, MucConfig& c) {
    for (const config::Node* n : r.all("admins/jid")) {
        auto jid = Jid::parse(n->text);
        if (!jid || !jid->has_node() || !jid->is_bare()) {
            r.error(*n, "admin '" + n->text + "' is not a bare JID");
            continue;
        }
        c.admins.insert(jid->str());
    }
}

void read_defaults(config::Reader& r, MucConfig& c) {
    RoomConfig& d = c.defaults;
    d.public_room = r.boolean("defaults@public", d.public_room);
    d.persistent = r.boolean("defaults@persistent", d.persistent);
    d.members_only = r.boolean("defaults@members-only", d.members_only);
    d.moderated = r.boolean("defaults@moderated", d.moderated);
    d.whois = parse_whois(r.choice("defaults@whois", "moderators", {"moderators", "anyone"}))
                  .value_or(Whois::kModerators);
    d.change_subject = r.boolean("defaults@change-subject", d.change_subject);
    d.allow_invites = r.boolean("defaults@allow-invites", d.allow_invites);
    d.logging = r.boolean("defaults@logging", d.logging);
    d.max_users = static_cast<size_t>(
        r.integer("defaults@max-users", 0, 0, static_cast<int64_t>(c.limits.config.max_users)));
    d.history_length = static_cast<size_t>(r.integer(
        "defaults@history", 20, 0, static_cast<int64_t>(c.limits.config.max_history)));
}

}  // namespace

std::optional<MucConfig> read_config(config::Reader& r, const std::string& path, Log& log,
                                     bool debug) {
    MucConfig c;
    daemon::configure_log(r, log, debug);
    c.id = r.string("id", "muc");
    component::read_link_config(r, c.router);
    read_services(r, c);
    c.storage = storage::read_config(r, path);
    read_admins(r, c);
    c.create = r.choice("rooms@create", "anyone", {"anyone", "admins"}) == "admins"
                   ? CreatePolicy::kAdmins
                   : CreatePolicy::kAnyone;
    ServiceLimits& l = c.limits;
    l.max_rooms_per_user =
        static_cast<size_t>(r.integer("rooms@max-per-user", 10, 0, 1000000));
    l.config.max_users =
        static_cast<size_t>(r.integer("limits@max-occupants", 200, 1, 100000));
    l.config.max_history = static_cast<size_t>(r.integer("limits@max-history", 100, 0, 10000));
    l.max_message_bytes =
        static_cast<size_t>(r.integer("limits@max-message-bytes", 16384, 256, 1024 * 1024));
    l.join_rate = static_cast<uint64_t>(r.integer("limits@join-rate", 1, 0, 1000000));
    l.join_burst = static_cast<uint64_t>(r.integer("limits@join-burst", 10, 1, 1000000));
    read_defaults(r, c);

    r.reject_unknown();
    if (!daemon::report(r, log)) return std::nullopt;
    return c;
}

std::optional<MucConfig> load_config(const std::string& path, Log& log, bool debug) {
    auto doc = daemon::load_config(path, log);
    if (!doc) return std::nullopt;
    config::Reader r(*doc);
    return read_config(r, path, log, debug);
}

}  // namespace jng::muc
