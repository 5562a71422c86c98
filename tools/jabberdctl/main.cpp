// jabberdctl: the administrator's tool. It opens the database a daemon's
// config names and works on it directly (the daemons need not be running).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.hpp"
#include "import_jabberd2.hpp"
#include "config.hpp"
#include "storage.hpp"
#include "storage_config.hpp"

namespace {

void usage(FILE* to) {
    std::fputs(
        "usage: jabberdctl [-c CONFIG] COMMAND ...\n"
        "  -c CONFIG                 a daemon config with a <storage> block\n"
        "                            (default /etc/jabberd-ng/sm.xml)\n"
        "  --iterations N            PBKDF2 iterations for new passwords (default 4096)\n"
        "commands:\n"
        "  user add JID [PASSWORD]   create an account (password read from stdin if absent)\n"
        "  user add-many FILE        create the accounts of FILE (- for stdin), one\n"
        "                            'JID PASSWORD' a line (the password is the rest of\n"
        "                            the line; blank and '#' lines are skipped); every\n"
        "                            line is checked before any is written, existing\n"
        "                            accounts are skipped\n"
        "  user delete JID           remove an account and every row it owns\n"
        "  user passwd JID [PASSWORD]  set a new password\n"
        "  user list [DOMAIN]        list accounts\n"
        "  db status                 schema version of the database\n"
        "  db init                   create the schema in an empty database\n"
        "  db migrate                bring the schema up to date\n"
        "                            (pgsql: the daemons need this step; sqlite\n"
        "                            migrates on first connect)\n"
        "  import-jabberd2 --from SQLITE-FILE|PG-CONNINFO [--domain DOMAIN]... [--dry-run]\n"
        "                [--without-passwords]\n"
        "                            copy the accounts of a jabberd2 2.x database with\n"
        "                            their rosters, offline messages, privacy lists,\n"
        "                            vCards and private XML; clear-text passwords\n"
        "                            become SCRAM credentials (see\n"
        "                            docs/migrate-from-jabberd2.md)\n",
        to);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace jng;
    std::string config_path = "/etc/jabberd-ng/sm.xml";
    int iterations = 4096;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-c" && i + 1 < argc) {
            config_path = argv[++i];
        } else if (a == "--iterations" && i + 1 < argc) {
            iterations = std::atoi(argv[++i]);
            if (iterations < 4096) {
                std::fprintf(stderr, "jabberdctl: --iterations must be at least 4096\n");
                return 2;
            }
        } else if (a == "-h" || a == "--help") {
            usage(stdout);
            return 0;
        } else {
            args.push_back(a);
        }
    }
    if (args.empty()) {
        usage(stderr);
        return 2;
    }
    auto doc = config::Document::load(config_path);
    if (!doc) {
        std::fprintf(stderr, "jabberdctl: %s\n", doc.message().c_str());
        return 1;
    }
    config::Reader reader(*doc);
    storage::StorageConfig sc = storage::read_config(reader, config_path);
    // The db commands look at the schema as it is and migrate it themselves;
    // the others need it at this build's version, like the daemons.
    if (args.front() == "db") sc.schema = storage::SchemaPolicy::kAsIs;
    if (!reader.ok()) {
        for (const auto& e : reader.errors()) std::fprintf(stderr, "jabberdctl: %s\n", e.c_str());
        return 1;
    }
    auto factory = storage::make_factory(sc);
    if (!factory) {
        std::fprintf(stderr, "jabberdctl: %s\n", factory.message().c_str());
        return 1;
    }
    auto db = (*factory)->connect();
    if (!db) {
        std::fprintf(stderr, "jabberdctl: %s: %s\n", (*factory)->describe().c_str(),
                     db.message().c_str());
        return 1;
    }
    ctl::Context ctx{**db, iterations};
    const std::string group = args.front();
    args.erase(args.begin());
    if (group == "user") return ctl::user_command(ctx, args);
    if (group == "db") return ctl::db_command(ctx, args);
    if (group == "import-jabberd2") return ctl::import_jabberd2_command(ctx, args);
    std::fprintf(stderr, "jabberdctl: unknown command '%s'\n", group.c_str());
    usage(stderr);
    return 2;
}
