// Registration: the form and account creation.
#include "registration.hpp"

#include "client_stream.hpp"
#include "jid.hpp"
#include "ns.hpp"
#include "sasl/scram.hpp"
#include "server.hpp"
#include "stanza.hpp"

namespace jng::c2s {

void Registration::handle(const xml::Element& iq) {
    const std::string_view type = iq.attr("type");
    const xml::Element* query = iq.child("query", ns::kRegister);
    if (type == "get") {
        xml::Element result = stanza::iq_result(iq);
        xml::Element& q = result.add("query", ns::kRegister);
        q.add_text_child("instructions", "Choose a username and password to register.");
        q.add("username");
        q.add("password");
        stream_.send(result);
        return;
    }
    if (type != "set") {
        stream_.send(stanza::error_reply(iq, "bad-request"));
        return;
    }
    if (query->child("remove")) {
        // Cancelling needs an account to cancel: only after authentication.
        stream_.send(stanza::error_reply(iq, "not-authorized"));
        return;
    }
    if (busy_) {
        stream_.send(stanza::error_reply(iq, "unexpected-request", "a registration is running"));
        return;
    }
    std::string username = query->child_text("username");
    std::string password = query->child_text("password");
    if (username.empty() || password.empty()) {
        stream_.send(stanza::error_reply(iq, "not-acceptable", "username and password are required"));
        return;
    }
    auto node = jid::nodeprep(username);
    if (!node) {
        stream_.send(stanza::error_reply(iq, "not-acceptable", "invalid username: " + node.message()));
        return;
    }
    if (password.size() > kMaxPasswordBytes) {
        stream_.send(stanza::error_reply(iq, "not-acceptable", "password too long"));
        return;
    }
    if (!stream_.server().registration_allowed(stream_.peer())) {
        stream_.send(stanza::error_reply(iq, "resource-constraint",
                                         "too many registrations from your address; try later"));
        return;
    }
    create(iq, std::move(*node), std::move(password));
}

void Registration::create(const xml::Element& iq, std::string username, std::string password) {
    busy_ = true;
    Server& server = stream_.server();
    const int iterations = server.config().scram_iterations;
    const std::string realm = stream_.domain();
    // PBKDF2 twice (SHA-1 and SHA-256) is the slow part; it runs on a worker.
    server.crypto().submit(
        {},
        [username, realm, iterations, password = std::move(password)](size_t) mutable
        -> Result<storage::AuthRecord> {
            auto sha1 = sasl::derive(sasl::Hash::kSha1, password, iterations);
            auto sha256 = sasl::derive(sasl::Hash::kSha256, password, iterations);
            std::fill(password.begin(), password.end(), '\0');
            if (!sha1) return sha1.error();
            if (!sha256) return sha256.error();
            return storage::AuthRecord{username, realm, *sha1, *sha256};
        },
        [this, w = lifeline_.watch(), iq](Result<storage::AuthRecord> record) {
            if (!net::alive(w)) return;
            if (!record) {
                busy_ = false;
                // SASLprep refused the password (prohibited characters).
                stream_.send(stanza::error_reply(iq, "not-acceptable", record.message()));
                return;
            }
            const std::string owner = record->username + "@" + record->realm;
            stream_.server().storage().run(
                owner, [rec = *record](storage::Driver& db) { return db.authreg().create(rec); },
                [this, w2 = lifeline_.watch(), iq, owner](Result<bool> created) {
                    if (!net::alive(w2)) return;
                    busy_ = false;
                    if (!created) {
                        stream_.server().log().warning("registration of {} failed: {}", owner,
                                                       created.message());
                        stream_.send(stanza::error_reply(iq, "internal-server-error"));
                    } else if (!*created) {
                        stream_.send(stanza::error_reply(iq, "conflict", "username taken"));
                    } else {
                        stream_.server().log().info("registered {} from {}", owner,
                                                    stream_.peer());
                        stream_.send(stanza::iq_result(iq));
                    }
                });
        });
}

}  // namespace jng::c2s
