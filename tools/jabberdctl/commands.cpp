// jabberdctl's user and db commands.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "add_many.hpp"
#include "commands.hpp"
#include "jid.hpp"
#include "sasl/scram.hpp"

namespace jng::ctl {
namespace {

// The password from the command line, or one line of standard input.
Result<std::string> password_arg(const std::vector<std::string>& args, size_t index) {
    if (args.size() > index) return args[index];
    if (isatty(STDIN_FILENO)) std::fprintf(stderr, "password: ");
    std::string line;
    if (!std::getline(std::cin, line) || line.empty()) return fail("no password given");
    return line;
}

int report(const Error& e) {
    std::fprintf(stderr, "jabberdctl: %s\n", e.message.c_str());
    return 1;
}

}  // namespace

Result<Jid> account_jid(std::string_view text) {
    auto j = Jid::parse(text);
    if (!j) return j.error();
    if (!j->has_node() || j->has_resource())
        return fail("'" + std::string(text) + "' is not a user@domain JID");
    return j;
}

Status check_password(std::string_view password) {
    auto prepared = sasl::saslprep(password);
    if (!prepared) return prepared.error();
    if (prepared->empty()) return fail("password is empty");
    return {};
}

Result<storage::AuthRecord> record_for(const Jid& jid, std::string_view password, int iterations) {
    auto sha1 = sasl::derive(sasl::Hash::kSha1, password, iterations);
    if (!sha1) return sha1.error();
    auto sha256 = sasl::derive(sasl::Hash::kSha256, password, iterations);
    if (!sha256) return sha256.error();
    return storage::AuthRecord{jid.node(), jid.domain(), *sha1, *sha256};
}

int user_command(Context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) return report(fail("user: add, add-many, delete, passwd or list"));
    const std::string& verb = args[0];
    if (verb == "add-many") return add_many_command(ctx, args);
    if (verb == "list") {
        const std::string domain = args.size() > 1 ? args[1] : "";
        auto users = ctx.db.authreg().list(domain);
        if (!users) return report(users.error());
        for (const auto& u : *users) std::printf("%s\n", u.c_str());
        return 0;
    }
    if (args.size() < 2) return report(fail("user " + verb + ": which JID?"));
    auto jid = account_jid(args[1]);
    if (!jid) return report(jid.error());
    if (verb == "add" || verb == "passwd") {
        auto password = password_arg(args, 2);
        if (!password) return report(password.error());
        auto record = record_for(*jid, *password, ctx.iterations);
        if (!record) return report(record.error());
        if (verb == "add") {
            auto created = ctx.db.authreg().create(*record);
            if (!created) return report(created.error());
            if (!*created) return report(fail(jid->str() + " exists already"));
            std::printf("created %s\n", jid->str().c_str());
        } else {
            auto changed = ctx.db.authreg().set_credentials(*record);
            if (!changed) return report(changed.error());
            if (!*changed) return report(fail("no account " + jid->str()));
            std::printf("password of %s changed\n", jid->str().c_str());
        }
        return 0;
    }
    if (verb == "delete") {
        auto existing = ctx.db.authreg().get(jid->node(), jid->domain());
        if (!existing) return report(existing.error());
        if (!*existing) return report(fail("no account " + jid->str()));
        if (auto st = ctx.db.remove_user(jid->node(), jid->domain()); !st) return report(st.error());
        std::printf("deleted %s and all its data\n", jid->str().c_str());
        return 0;
    }
    return report(fail("user: unknown command '" + verb + "'"));
}

int db_command(Context& ctx, const std::vector<std::string>& args) {
    const std::string verb = args.empty() ? "status" : args[0];
    if (verb == "migrate" || verb == "init") {
        // init is migrate from nothing: on a database that has the schema
        // already it only brings it up to date, so running it twice is safe.
        if (auto st = ctx.db.migrate(); !st) return report(st.error());
    } else if (verb != "status") {
        return report(fail("db: status, init or migrate"));
    }
    auto status = ctx.db.schema_status();
    if (!status) return report(status.error());
    std::printf("%s schema version %d (this build: %d)%s\n", std::string(ctx.db.name()).c_str(),
                status->current, status->latest,
                status->current == status->latest ? ", up to date" : "");
    return 0;
}

}  // namespace jng::ctl
