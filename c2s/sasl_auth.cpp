// SaslAuth: the <auth/>/<challenge/>/<response/>/<success/> exchange.
#include "sasl_auth.hpp"

#include "client_stream.hpp"
#include "jid.hpp"
#include "ns.hpp"
#include "sasl/scram.hpp"
#include "server.hpp"

namespace jng::c2s {

using ExchangeStatus = sasl::Exchange::Status;

void SaslAuth::handle(const xml::Element& e) {
    if (waiting_) {
        // A client may not talk while we look its account up.
        failure("malformed-request", "message while the previous one is being processed");
        return;
    }
    if (e.name() == "abort") {
        exchange_.reset();
        failure("aborted");
        return;
    }
    if (e.name() == "auth") {
        if (exchange_) {
            failure("malformed-request", "an exchange is already running");
            return;
        }
        const std::string mechanism(e.attr("mechanism"));
        Server& server = stream_.server();
        const bool tls = stream_.tls_active();
        if (mechanism == "PLAIN" && !server.config().allow_plain) {
            failure("invalid-mechanism");
            return;
        }
        exchange_ = server.sasl().start(mechanism, tls, server.channel_bindings(stream_.transport()));
        if (!exchange_) {
            failure("invalid-mechanism", mechanism);
            return;
        }
        advance(exchange_->step(e.text()));
        return;
    }
    if (e.name() == "response" && exchange_) {
        advance(exchange_->step(e.text()));
        return;
    }
    failure("malformed-request", "unexpected <" + e.name() + "/>");
}

void SaslAuth::advance(sasl::Exchange::Step step) {
    switch (step.status) {
        case ExchangeStatus::kChallenge: {
            xml::Element c("challenge", ns::kSasl);
            c.add_text(step.data);
            stream_.send(c);
            return;
        }
        case ExchangeStatus::kSuccess: succeed(step.data); return;
        case ExchangeStatus::kFailure: failure(step.condition, step.text); return;
        case ExchangeStatus::kNeedCredentials: lookup_credentials(); return;
        case ExchangeStatus::kNeedPasswordCheck: check_password(); return;
    }
}

void SaslAuth::lookup_credentials() {
    auto node = jid::nodeprep(exchange_->username());
    if (!node) {
        // Not a possible account: carry on with invented credentials so the
        // answer looks like any wrong password.
        exchange_->set_unknown_user();
        advance(exchange_->resume());
        return;
    }
    waiting_ = true;
    Server& server = stream_.server();
    const std::string realm = stream_.domain();
    server.storage().run(
        *node + "@" + realm,
        [username = *node, realm](storage::Driver& db) { return db.authreg().get(username, realm); },
        [this, w = lifeline_.watch()](Result<std::optional<storage::AuthRecord>> r) {
            if (!net::alive(w)) return;
            waiting_ = false;
            if (!r) {
                stream_.server().log().warning("account lookup failed: {}", r.message());
                failure("temporary-auth-failure");
                return;
            }
            if (*r) {
                sha1_ = (*r)->sha1;
                sha256_ = (*r)->sha256;
                exchange_->set_credentials(sha1_, sha256_);
            } else {
                exchange_->set_unknown_user();
            }
            advance(exchange_->resume());
        });
}

void SaslAuth::check_password() {
    waiting_ = true;
    const sasl::Hash hash = exchange_->password_hash();
    // The credential and password are copied into the job: the exchange may
    // be gone (client disconnected) by the time the worker runs.
    sasl::ScramCredential credential = hash == sasl::Hash::kSha1 ? sha1_ : sha256_;
    std::string password = exchange_->password();
    stream_.server().crypto().submit(
        {},
        [hash, credential = std::move(credential), password = std::move(password)](size_t) mutable {
            const bool ok = sasl::verify(hash, password, credential);
            std::fill(password.begin(), password.end(), '\0');
            return ok;
        },
        [this, w = lifeline_.watch()](bool ok) {
            if (!net::alive(w)) return;
            waiting_ = false;
            exchange_->set_password_verdict(ok);
            advance(exchange_->resume());
        });
}

void SaslAuth::succeed(const std::string& data) {
    auto user = Jid::make(exchange_->username(), stream_.domain());
    // RFC 6120 §6.3.8: an authorization identity other than the account
    // itself is not something we grant.
    const std::string& authzid = exchange_->authzid();
    if (!user || (!authzid.empty() && Jid::parse(authzid).value_or(Jid()) != *user)) {
        failure(user ? "invalid-authzid" : "not-authorized");
        return;
    }
    xml::Element s("success", ns::kSasl);
    if (!data.empty() && data != "=") s.add_text(data);
    exchange_.reset();
    stream_.send(s);
    stream_.authenticated(std::move(*user));  // destroys this object
}

void SaslAuth::failure(std::string_view condition, std::string_view text) {
    exchange_.reset();
    xml::Element f("failure", ns::kSasl);
    f.add(condition);
    if (!text.empty() && condition != "not-authorized") f.add_text_child("text", text);
    stream_.server().log().info("client {} ({}): SASL failure {}{}{}", stream_.id(), stream_.peer(),
                                condition, text.empty() ? "" : ": ", text);
    stream_.send(f);
    if (condition != "aborted" || stream_.state() == ClientStream::State::kAuthenticating) {
        stream_.authentication_failed();
    }
}

}  // namespace jng::c2s
