// import-jabberd2: for each account in jabberd2's authreg, read its rows
// (import_jabberd2_source), convert them (import_jabberd2_convert) and write
// them in one transaction, so an account is imported whole or not at all;
// then report what stayed behind.
#include "import_jabberd2.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "import_jabberd2_convert.hpp"
#include "import_jabberd2_source.hpp"

namespace jng::ctl {
namespace {

using namespace jabberd2;

struct Options {
    std::string from;
    std::set<std::string> domains;  // empty: every realm
    bool dry_run = false;
    bool without_passwords = false;
};

// The tables whose rows the import carries over, besides authreg.
constexpr std::string_view kImportedTables[] = {
    "roster-items", "roster-groups", "queue", "vcard", "private", "privacy-items", "privacy-default",
};

// jabberd2 tables left behind, and why: named in the report when they hold rows.
struct LeftBehind {
    std::string_view table;
    std::string_view why;
};
constexpr LeftBehind kLeftBehind[] = {
    {"active", "first-login times"},
    {"logout", "last logout times (XEP-0012 answers start afresh)"},
    {"motd-message", "messages of the day: set them again with the announce service"},
    {"motd-times", "when users last saw the message of the day"},
    {"vacation-settings", "vacation auto-replies"},
    {"status", "mod_status presence snapshots"},
    {"verify", "mod_verify e-mail checks"},
    {"published-roster", "mod_roster_publish templates: configure shared rosters anew"},
    {"published-roster-groups", "mod_roster_publish templates"},
    {"disco-items", "items users published with mod_disco_publish"},
};

Result<Options> parse_options(const std::vector<std::string>& args) {
    Options o;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--from" && i + 1 < args.size()) {
            o.from = args[++i];
        } else if (a == "--domain" && i + 1 < args.size()) {
            auto domain = jid::nameprep(args[++i]);
            if (!domain) return fail("--domain " + args[i] + ": " + domain.message());
            o.domains.insert(*domain);
        } else if (a == "--dry-run") {
            o.dry_run = true;
        } else if (a == "--without-passwords") {
            o.without_passwords = true;
        } else {
            return fail("import-jabberd2: unknown argument '" + a + "'");
        }
    }
    if (o.from.empty()) return fail("import-jabberd2: --from SQLITE-FILE or --from PG-CONNINFO is required");
    return o;
}

// XEP-0082 for now, for stored stanzas that carry no stamp of their own.
std::string now_stamp() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string plural(size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

// What one account becomes.
struct UserImport {
    Jid jid;
    storage::AuthRecord record;
    RosterResult roster;
    std::vector<std::string> messages;
    PrivacyResult privacy;
    std::optional<std::string> vcard;
    std::vector<PrivateElement> private_xml;
    std::vector<Skipped> skipped;
};

class Importer {
public:
    Importer(Context& ctx, Source& source, Options options)
        : ctx_(ctx), source_(source), options_(std::move(options)), now_(now_stamp()) {}

    int run() {
        if (auto st = find_tables(); !st) return fatal(st.error());
        if (!present_.contains("authreg"))
            return fatal(fail(source_.describe() + " has no \"authreg\" table: not a jabberd2 database"));
        std::printf("%s %s into %s\n", options_.dry_run ? "checking an import of" : "importing",
                    source_.describe().c_str(), std::string(ctx_.db.name()).c_str());
        auto accounts = source_.rows("authreg");
        if (!accounts) return fatal(accounts.error());
        for (const auto& row : *accounts) {
            if (auto st = account(row); !st) return fatal(st.error());
        }
        if (auto st = report_orphans(); !st) return fatal(st.error());
        if (auto st = report_left_behind(); !st) return fatal(st.error());
        summary();
        return skipped_accounts_ + skipped_rows_ == 0 ? 0 : kImportedWithSkips;
    }

private:
    Status find_tables() {
        std::vector<std::string_view> all = {"authreg"};
        all.insert(all.end(), std::begin(kImportedTables), std::end(kImportedTables));
        for (const auto& l : kLeftBehind) all.push_back(l.table);
        for (const auto table : all) {
            auto present = source_.has_table(table);
            if (!present) return present.error();
            if (*present) present_.insert(std::string(table));
        }
        return {};
    }

    int fatal(const Error& e) {
        std::fprintf(stderr, "jabberdctl: import-jabberd2: %s\n", e.message.c_str());
        if (imported_ + skipped_accounts_ > 0) summary();
        return 1;
    }

    void skip_account(std::string_view who, std::string_view why) {
        ++skipped_accounts_;
        std::printf("skipped account %s: %s\n", std::string(who).c_str(), std::string(why).c_str());
    }

    // One authreg row: its account, read, converted and written whole.
    Status account(const SourceRow& row) {
        const std::string username(row.get("username").value_or(""));
        const std::string realm(row.get("realm").value_or(""));
        const std::string raw = username + "@" + realm;
        auto jid = Jid::make(username, realm);
        if (username.empty() || !jid) {
            skip_account("'" + raw + "'", jid ? "no username" : "not a valid JID: " + jid.message());
            return {};
        }
        if (!options_.domains.empty() && !options_.domains.contains(jid->domain())) {
            ++other_domains_;
            return {};
        }
        const std::string owner = jid->str();
        // The sm keyed its rows by the normalized JID: two authreg rows that
        // normalize alike are one account.
        if (!accounts_.insert(owner).second) {
            skip_account(owner, "another authreg row ('" + raw + "') is the same account once normalized");
            return {};
        }
        // Never merged into an existing account: the import can run again
        // after a partial failure, and only the missing accounts are added.
        auto existing = ctx_.db.authreg().get(jid->node(), jid->domain());
        if (!existing) return existing.error();
        if (*existing) {
            skip_account(owner, "an account of that name exists already here; nothing of it was changed");
            return {};
        }
        UserImport user;
        user.jid = *jid;
        if (options_.without_passwords) {
            user.record = storage::AuthRecord{jid->node(), jid->domain(), {}, {}};
        } else {
            const auto password = row.get("password");
            if (!password || password->empty()) {
                skip_account(owner, "no password (use --without-passwords to import accounts whose "
                                    "passwords jabberd2 did not keep in clear text)");
                return {};
            }
            auto record = record_for(*jid, *password, ctx_.iterations);
            if (!record) {
                skip_account(owner, "the password cannot become SCRAM credentials: " + record.message());
                return {};
            }
            user.record = std::move(*record);
        }
        if (auto st = read(user); !st) return st;
        if (!options_.dry_run) {
            if (auto st = write(user); !st) {
                skip_account(owner, "writing it failed, so none of it was written: " + st.message());
                return {};
            }
        }
        imported(user);
        return {};
    }

    Result<SourceRows> owned(std::string_view table, std::string_view owner) {
        if (!present_.contains(std::string(table))) return SourceRows{};
        return source_.owned_rows(table, owner);
    }

    // Reads and converts every collection of the account; a source that
    // fails to answer is fatal, a row that cannot be converted is skipped.
    Status read(UserImport& user) {
        const std::string owner = user.jid.str();
        auto items = owned("roster-items", owner);
        if (!items) return items.error();
        auto groups = owned("roster-groups", owner);
        if (!groups) return groups.error();
        auto queue = owned("queue", owner);
        if (!queue) return queue.error();
        auto vcard = owned("vcard", owner);
        if (!vcard) return vcard.error();
        auto private_rows = owned("private", owner);
        if (!private_rows) return private_rows.error();
        auto privacy_items = owned("privacy-items", owner);
        if (!privacy_items) return privacy_items.error();
        auto privacy_default = owned("privacy-default", owner);
        if (!privacy_default) return privacy_default.error();

        const Limits limits;
        user.roster = convert_roster(*items, *groups, limits);
        QueueResult q = convert_queue(*queue, user.jid, now_, limits);
        add_pending_subscriptions(user.roster, q.subscriptions, user.skipped);
        user.messages = std::move(q.messages);
        VcardResult v = convert_vcard(*vcard, limits);
        user.vcard = std::move(v.xml);
        PrivateResult p = convert_private(*private_rows, limits);
        user.private_xml = std::move(p.elements);
        user.privacy = convert_privacy(*privacy_items, *privacy_default);
        for (auto* list : {&user.roster.skipped, &q.skipped, &v.skipped, &p.skipped, &user.privacy.skipped}) {
            user.skipped.insert(user.skipped.end(), list->begin(), list->end());
        }
        return {};
    }

    // One transaction: an account that fails half-way leaves nothing behind.
    Status write(const UserImport& user) {
        storage::Driver& db = ctx_.db;
        const std::string owner = user.jid.str();
        return db.transaction([&]() -> Status {
            auto created = db.authreg().create(user.record);
            if (!created) return created.error();
            if (!*created) return fail("the account was created meanwhile by someone else");
            for (const auto& item : user.roster.items) {
                if (auto st = db.roster().put(owner, item); !st)
                    return fail("roster item " + item.jid + ": " + st.message());
            }
            for (const auto& xml : user.messages) {
                if (auto st = db.queue().push(owner, xml); !st)
                    return fail("offline message: " + st.message());
            }
            for (const auto& list : user.privacy.lists) {
                if (auto st = db.privacy().put(owner, list); !st)
                    return fail("privacy list " + list.name + ": " + st.message());
            }
            if (user.privacy.default_list) {
                if (auto st = db.privacy().set_default(owner, user.privacy.default_list); !st)
                    return fail("default privacy list: " + st.message());
            }
            if (user.vcard) {
                if (auto st = db.vcard().put(owner, *user.vcard); !st) return fail("vCard: " + st.message());
            }
            for (const auto& element : user.private_xml) {
                if (auto st = db.private_xml().put(owner, element.ns, element.xml); !st)
                    return fail("private XML in " + element.ns + ": " + st.message());
            }
            return {};
        });
    }

    void imported(const UserImport& user) {
        ++imported_;
        size_t contacts = 0, pending = 0;
        for (const auto& item : user.roster.items) {
            if (!item.hidden) ++contacts;
            if (!item.pending_in.empty()) ++pending;
        }
        roster_items_ += contacts;
        pending_ += pending;
        messages_ += user.messages.size();
        lists_ += user.privacy.lists.size();
        vcards_ += user.vcard ? 1 : 0;
        private_ += user.private_xml.size();
        skipped_rows_ += user.skipped.size();
        std::string what = plural(contacts, "roster item", "roster items");
        if (pending) what += ", " + plural(pending, "subscription request", "subscription requests");
        what += ", " + plural(user.messages.size(), "offline message", "offline messages");
        what += ", " + plural(user.privacy.lists.size(), "privacy list", "privacy lists");
        if (user.privacy.default_list) what += " (default '" + *user.privacy.default_list + "')";
        what += user.vcard ? ", a vCard" : ", no vCard";
        what += ", " + plural(user.private_xml.size(), "private XML element", "private XML elements");
        if (user.record.sha256.empty()) what += "; no password: set one with `jabberdctl user passwd`";
        std::printf("%s %s: %s\n", options_.dry_run ? "would import" : "imported", user.jid.str().c_str(),
                    what.c_str());
        for (const auto& s : user.skipped) {
            std::printf("  skipped %s of %s: %s\n", s.what.c_str(), user.jid.str().c_str(), s.reason.c_str());
        }
    }

    // Rows of the imported tables whose owner has no account in authreg
    // (an sm whose authreg lived elsewhere: LDAP, PAM) have nowhere to go.
    Status report_orphans() {
        std::map<std::string, std::vector<std::string>> orphans;  // owner → tables
        size_t orphan_rows = 0;
        for (const auto table : kImportedTables) {
            if (!present_.contains(std::string(table))) continue;
            auto owners = source_.owners(table);
            if (!owners) return owners.error();
            for (const auto& [owner, count] : *owners) {
                auto jid = Jid::parse(owner);
                if (jid && accounts_.contains(jid->str())) continue;
                if (jid && !options_.domains.empty() && !options_.domains.contains(jid->domain())) continue;
                orphan_rows += static_cast<size_t>(count);
                orphans[owner].push_back(fmt::format("{} in \"{}\"", plural(static_cast<size_t>(count), "row", "rows"), table));
            }
        }
        skipped_rows_ += orphan_rows;
        for (const auto& [owner, tables] : orphans) {
            std::printf("skipped the rows of '%s', which has no account in authreg: %s\n", owner.c_str(),
                        fmt::format("{}", fmt::join(tables, ", ")).c_str());
        }
        return {};
    }

    Status report_left_behind() {
        for (const auto& l : kLeftBehind) {
            if (!present_.contains(std::string(l.table))) continue;
            auto owners = source_.owners(l.table);
            if (!owners) return owners.error();
            int64_t rows = 0;
            for (const auto& [owner, count] : *owners) rows += count;
            if (rows == 0) continue;
            std::printf("not imported: \"%s\" (%s): %s\n", std::string(l.table).c_str(),
                        plural(static_cast<size_t>(rows), "row", "rows").c_str(), std::string(l.why).c_str());
        }
        return {};
    }

    void summary() {
        std::printf("%s: %s, %s skipped; %s, %s, %s, %s, %s, %s; %s skipped\n",
                    options_.dry_run ? "dry run, nothing written" : "done",
                    plural(imported_, "account imported", "accounts imported").c_str(),
                    plural(skipped_accounts_, "account", "accounts").c_str(),
                    plural(roster_items_, "roster item", "roster items").c_str(),
                    plural(pending_, "subscription request", "subscription requests").c_str(),
                    plural(messages_, "offline message", "offline messages").c_str(),
                    plural(lists_, "privacy list", "privacy lists").c_str(),
                    plural(vcards_, "vCard", "vCards").c_str(),
                    plural(private_, "private XML element", "private XML elements").c_str(),
                    plural(skipped_rows_, "row", "rows").c_str());
        if (other_domains_ > 0) {
            std::printf("left out %s of other domains than --domain names\n",
                        plural(other_domains_, "account", "accounts").c_str());
        }
    }

    Context& ctx_;
    Source& source_;
    Options options_;
    std::string now_;
    std::set<std::string> present_;   // tables the source has
    std::set<std::string> accounts_;  // normalized JIDs of authreg rows seen
    size_t imported_ = 0, skipped_accounts_ = 0, skipped_rows_ = 0, other_domains_ = 0;
    size_t roster_items_ = 0, pending_ = 0, messages_ = 0, lists_ = 0, vcards_ = 0, private_ = 0;
};

}  // namespace

int import_jabberd2_command(Context& ctx, const std::vector<std::string>& args) {
    auto options = parse_options(args);
    if (!options) {
        std::fprintf(stderr, "jabberdctl: %s\n", options.message().c_str());
        return 1;
    }
    auto source = open_source(options->from);
    if (!source) {
        std::fprintf(stderr, "jabberdctl: import-jabberd2: %s\n", source.message().c_str());
        return 1;
    }
    return Importer(ctx, **source, std::move(*options)).run();
}

}  // namespace jng::ctl
