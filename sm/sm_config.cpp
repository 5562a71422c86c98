// Loading sm.xml.
#include "sm_config.hpp"

#include "daemon.hpp"
#include "storage_config.hpp"
#include "jid.hpp"
#include "module.hpp"
#include "rows.hpp"

namespace jng::sm {

const std::vector<std::string>& default_modules() {
    static const std::vector<std::string> kDefault = {"roster", "presence", "privacy",
                                                      "blocking", "deliver",
                                                      "offline", "disco", "ping",
                                                      "announce", "vacation", "version",
                                                      "time", "carbons",
                                                      "vcard", "private", "last",
                                                      "active", "register"};
    return kDefault;
}

std::optional<SmConfig> load_config(const std::string& path, Log& log, bool debug) {
    auto doc = daemon::load_config(path, log);
    if (!doc) return std::nullopt;
    config::Reader r(*doc);
    SmConfig c;
    daemon::configure_log(r, log, debug);
    c.id = r.string("id", "sm-1");
    component::read_link_config(r, c.router);

    c.domains = daemon::read_domains(r, "local/id");
    c.share_domains = r.boolean("local@shared", false);

    c.storage = storage::read_config(r, path);

    if (const config::Node* mods = r.node("modules")) {
        for (const config::Node* m : r.all("modules/module")) {
            if (!make_module(m->text)) {
                r.error(*m, "unknown module '" + m->text + "'");
                continue;
            }
            if (std::find(c.modules.begin(), c.modules.end(), m->text) != c.modules.end()) {
                r.error(*m, "module '" + m->text + "' listed twice");
                continue;
            }
            c.modules.push_back(m->text);
        }
        if (c.modules.empty()) r.error(*mods, "<modules> lists no module");
    } else {
        c.modules = default_modules();
    }

    const std::string conflict =
        r.choice("sessions@conflict", "replace", {"replace", "refuse", "rename"});
    c.conflict = conflict == "refuse"   ? ConflictPolicy::kRefuse
                 : conflict == "rename" ? ConflictPolicy::kRename
                                        : ConflictPolicy::kReplace;
    c.deliver_to_all_highest = r.choice("sessions@ties", "all", {"all", "newest"}) == "all";
    c.c2s_grace = std::chrono::seconds(r.integer("sessions@c2s-grace", 15, 0, 3600));
    c.offline_limit = static_cast<size_t>(r.integer("offline@limit", 1000, 0, 1000000));
    c.user_cache_ttl = std::chrono::seconds(r.integer("cache@user-ttl", 300, 1, 86400));
    c.server_name = r.string("disco@name", "jabberd-ng");
    c.crypto_threads = static_cast<size_t>(r.integer("limits@crypto-threads", 1, 1, 64));
    c.ping_idle = std::chrono::seconds(r.integer("ping@idle", 300, 0, 86400));
    c.ping_timeout = std::chrono::seconds(r.integer("ping@timeout", 30, 1, 3600));
    c.version_hidden = r.boolean("version@hidden", false);
    const std::string detail = r.choice("version@show", "version", {"name", "version", "os"});
    c.version_detail = detail == "name" ? VersionDetail::kName
                       : detail == "os" ? VersionDetail::kOs
                                        : VersionDetail::kVersion;
    c.vcard_max_bytes = static_cast<size_t>(
        r.integer("vcard@max-bytes", 64 * 1024, 1024, storage::kMaxDocumentBytes));
    c.private_max_bytes = static_cast<size_t>(
        r.integer("private@max-bytes", 64 * 1024, 1024, storage::kMaxDocumentBytes));
    // RFC 7677 §4: at least 4096, as c2s's <sasl iterations=> for new accounts.
    c.register_iterations =
        static_cast<int>(r.integer("register@iterations", 4096, 4096, 1000000));
    for (const config::Node* a : r.all("admin/jid")) {
        auto j = Jid::parse(a->text);
        if (!j || !j->is_bare()) {
            r.error(*a, "admin must be a bare JID");
        } else {
            c.admins.push_back(j->str());
        }
    }
    r.reject_unknown();
    if (!daemon::report(r, log)) return std::nullopt;
    return c;
}

}  // namespace jng::sm
