// The SASL server exchange driven by a real libgsasl client: SCRAM with and
// without channel binding, PLAIN, the asynchronous stops, and bad input.
#include <gsasl.h>

#include <catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sasl/scram.hpp"
#include "sasl/server.hpp"

using jng::sasl::ChannelBindings;
using jng::sasl::Exchange;
using jng::sasl::Hash;
using jng::sasl::kMaxClientMessage;
using jng::sasl::ScramCredential;
using jng::sasl::Server;
using Status = Exchange::Status;

namespace {

const std::string kPassword = "r0m30myr0m30";
// Fake channel bindings: raw bytes, a NUL among them.
const std::string kUnique("unique\0-0123456789", 18);
const std::string kExporter("exporter\0-0123456789abcdef0123456", 33);

// Never throws: also used inside the client's C callback.
std::string b64(std::string_view raw) {
    char* out = nullptr;
    size_t len = 0;
    if (gsasl_base64_to(raw.data(), raw.size(), &out, &len) != GSASL_OK) {
        return {};
    }
    std::string text(out, len);
    gsasl_free(out);
    return text;
}

std::string unb64(std::string_view text) {
    if (text.empty() || text == "=") {
        return {};
    }
    char* out = nullptr;
    size_t len = 0;
    REQUIRE(gsasl_base64_from(text.data(), text.size(), &out, &len) == GSASL_OK);
    std::string raw(out, len);
    gsasl_free(out);
    return raw;
}

// "r=…,s=…,i=…" → {'r': …, 's': …, 'i': …}
std::map<char, std::string> attributes(const std::string& message) {
    std::map<char, std::string> out;
    size_t start = 0;
    while (start <= message.size()) {
        const size_t end = std::min(message.find(',', start), message.size());
        if (end - start >= 2 && message[start + 1] == '=') {
            out[message[start]] = message.substr(start + 2, end - start - 2);
        }
        start = end + 1;
    }
    return out;
}

// What the test client knows.
struct ClientSetup {
    ClientSetup(std::string mechanism_, std::string username_ = "juliet")
        : mechanism(std::move(mechanism_)), username(std::move(username_)) {}

    std::string mechanism;
    std::string username;
    std::string password = kPassword;
    std::string authzid;
    std::string tls_unique;  // raw, like ChannelBindings
    std::string tls_exporter;
};

int client_callback(Gsasl*, Gsasl_session* session, Gsasl_property property) {
    const auto* setup = static_cast<const ClientSetup*>(gsasl_session_hook_get(session));
    auto answer = [&](const std::string& value) {
        return value.empty() ? GSASL_NO_CALLBACK
                             : gsasl_property_set(session, property, value.c_str());
    };
    switch (property) {
        case GSASL_AUTHID:
            return answer(setup->username);
        case GSASL_PASSWORD:
            return answer(setup->password);
        case GSASL_AUTHZID:
            return answer(setup->authzid);
        case GSASL_CB_TLS_UNIQUE:
            return answer(setup->tls_unique.empty() ? "" : b64(setup->tls_unique));
        case GSASL_CB_TLS_EXPORTER:
            return answer(setup->tls_exporter.empty() ? "" : b64(setup->tls_exporter));
        default:
            return GSASL_NO_CALLBACK;
    }
}

// A libgsasl client session: the other end of every exchange below.
class Client {
  public:
    explicit Client(ClientSetup setup) : setup_(std::move(setup)) {
        static const std::unique_ptr<Gsasl, decltype(&gsasl_done)> ctx = [] {
            Gsasl* raw = nullptr;
            REQUIRE(gsasl_init(&raw) == GSASL_OK);
            gsasl_callback_set(raw, client_callback);
            return std::unique_ptr<Gsasl, decltype(&gsasl_done)>(raw, &gsasl_done);
        }();
        Gsasl_session* raw = nullptr;
        REQUIRE(gsasl_client_start(ctx.get(), setup_.mechanism.c_str(), &raw) == GSASL_OK);
        session_.reset(raw);
        gsasl_session_hook_set(raw, &setup_);
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Server data in wire form in, the client's reply in wire form out.
    int respond(std::string_view server_data, std::string& reply) {
        const std::string raw = unb64(server_data);
        char* out = nullptr;
        size_t len = 0;
        const int rc = gsasl_step(session_.get(), raw.data(), raw.size(), &out, &len);
        reply = len == 0 ? "=" : b64(std::string_view(out, len));
        gsasl_free(out);
        return rc;
    }

  private:
    ClientSetup setup_;
    std::unique_ptr<Gsasl_session, decltype(&gsasl_finish)> session_{nullptr, &gsasl_finish};
};

ScramCredential must(jng::Result<ScramCredential> r) {
    REQUIRE(r.ok());
    return std::move(r).value();
}

struct Account {
    ScramCredential sha1, sha256;
};
using Directory = std::map<std::string, Account>;

const Account& juliet() {
    static const Account account{must(jng::sasl::derive(Hash::kSha1, kPassword)),
                                 must(jng::sasl::derive(Hash::kSha256, kPassword))};
    return account;
}

Directory directory() {
    return {{"juliet", juliet()}, {"nurse", Account{juliet().sha1, {}}}};
}

std::unique_ptr<Server> make_server() {
    auto server = Server::create();
    REQUIRE(server.ok());
    return std::move(server).value();
}

struct Options {
    bool tls = true;
    ChannelBindings cb;
    bool initial_response = true;
};

// Everything the server said, and how the exchange ended.
struct Transcript {
    std::vector<Status> statuses;
    std::vector<std::string> challenges;  // decoded
    std::string first_message;            // decoded client-first / PLAIN message
    Exchange::Step last{};
    int lookups = 0;
    int checks = 0;
    int client_rc = GSASL_OK;  // the client's verdict on the server's last data
    std::string username, authzid, password_after;
};

// Plays the caller (c2s) on one side and a libgsasl client on the other.
Transcript drive(Server& server, const ClientSetup& setup, const Directory& users,
                 const Options& options = {}) {
    Transcript t;
    auto exchange = server.start(setup.mechanism, options.tls, options.cb);
    REQUIRE(exchange);
    Client client(setup);
    std::string reply;
    const int first = client.respond("", reply);
    REQUIRE((first == GSASL_OK || first == GSASL_NEEDS_MORE));
    t.first_message = unb64(reply);
    Exchange::Step step = exchange->step(options.initial_response ? reply : "");
    if (!options.initial_response) {
        t.statuses.push_back(step.status);
        REQUIRE(step.status == Status::kChallenge);
        REQUIRE(step.data == "=");
        step = exchange->step(reply);
    }
    for (int round = 0; round < 10; ++round) {
        t.statuses.push_back(step.status);
        switch (step.status) {
            case Status::kNeedCredentials: {
                ++t.lookups;
                const auto it = users.find(exchange->username());
                if (it == users.end()) {
                    exchange->set_unknown_user();
                } else {
                    exchange->set_credentials(it->second.sha1, it->second.sha256);
                }
                step = exchange->resume();
                continue;
            }
            case Status::kNeedPasswordCheck: {
                ++t.checks;
                const Account& account = users.at(exchange->username());
                const Hash hash = exchange->password_hash();
                const bool ok =
                    jng::sasl::verify(hash, exchange->password(),
                                      hash == Hash::kSha256 ? account.sha256 : account.sha1);
                exchange->set_password_verdict(ok);
                step = exchange->resume();
                continue;
            }
            case Status::kChallenge:
                t.challenges.push_back(unb64(step.data));
                t.client_rc = client.respond(step.data, reply);
                if (t.client_rc != GSASL_OK && t.client_rc != GSASL_NEEDS_MORE) {
                    break;
                }
                step = exchange->step(reply);
                continue;
            case Status::kSuccess:
                // SCRAM's success data is the server signature: the client
                // accepts it only if the server knew the right ServerKey.
                if (!step.data.empty()) {
                    t.client_rc = client.respond(step.data, reply);
                }
                break;
            case Status::kFailure:
                break;
        }
        t.last = step;
        t.username = exchange->username();
        t.authzid = exchange->authzid();
        t.password_after = exchange->password();
        return t;
    }
    FAIL("the exchange did not end");
    return t;
}

const std::vector<Status> kScramSuccess{Status::kNeedCredentials, Status::kChallenge,
                                        Status::kSuccess};
const std::vector<Status> kScramProofFailure{Status::kNeedCredentials, Status::kChallenge,
                                             Status::kFailure};

Exchange::Step first_step(Server& server, std::string_view mechanism, const std::string& raw,
                          const ChannelBindings& cb = {}) {
    auto exchange = server.start(mechanism, true, cb);
    REQUIRE(exchange);
    return exchange->step(b64(raw));
}

}  // namespace

TEST_CASE("mechanisms are offered strongest first", "[sasl]") {
    auto server = make_server();
    using V = std::vector<std::string>;
    CHECK(server->mechanisms(false, {}) == V{"SCRAM-SHA-256", "SCRAM-SHA-1"});
    CHECK(server->mechanisms(true, {}) == V{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"});
    const V all{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"};
    CHECK(server->mechanisms(true, {kUnique, {}}) == all);
    CHECK(server->mechanisms(true, {{}, kExporter}) == all);
}

TEST_CASE("start refuses what was not offered", "[sasl]") {
    auto server = make_server();
    const ChannelBindings cb{{}, kExporter};
    CHECK(server->start("PLAIN", false, cb) == nullptr);
    CHECK(server->start("SCRAM-SHA-1-PLUS", true, {}) == nullptr);
    CHECK(server->start("SCRAM-SHA-256-PLUS", true, {}) == nullptr);
    CHECK(server->start("DIGEST-MD5", true, cb) == nullptr);
    CHECK(server->start("scram-sha-1", true, cb) == nullptr);
    CHECK(server->start("", true, cb) == nullptr);
    for (const std::string& name : server->mechanisms(true, cb)) {
        auto exchange = server->start(name, true, cb);
        REQUIRE(exchange);
        CHECK(exchange->mechanism() == name);
    }
}

TEST_CASE("SCRAM succeeds against a libgsasl client", "[sasl][scram]") {
    const std::string mechanism = GENERATE("SCRAM-SHA-1", "SCRAM-SHA-256");
    auto server = make_server();
    const Transcript t = drive(*server, {mechanism}, directory(), {false, {}, true});
    CHECK(t.statuses == kScramSuccess);
    CHECK(t.lookups == 1);
    CHECK(t.client_rc == GSASL_OK);
    CHECK(t.username == "juliet");
    CHECK(t.authzid.empty());
    // The replayed session answered with the stored salt and count.
    const Account& account = juliet();
    const auto server_first = attributes(t.challenges.at(0));
    CHECK(server_first.at('s') ==
          (mechanism == "SCRAM-SHA-1" ? account.sha1 : account.sha256).salt);
    CHECK(server_first.at('i') == "4096");
}

TEST_CASE("SCRAM-PLUS binds to tls-unique or tls-exporter as the client chooses", "[sasl][scram]") {
    const std::string mechanism = GENERATE("SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS");
    const bool exporter = GENERATE(true, false);
    auto server = make_server();
    ClientSetup setup{mechanism};
    (exporter ? setup.tls_exporter : setup.tls_unique) = exporter ? kExporter : kUnique;
    const Transcript t = drive(*server, setup, directory(), {true, {kUnique, kExporter}});
    CHECK(t.first_message.rfind(exporter ? "p=tls-exporter," : "p=tls-unique,", 0) == 0);
    CHECK(t.statuses == kScramSuccess);
    CHECK(t.client_rc == GSASL_OK);
}

TEST_CASE("SCRAM-PLUS fails when the bindings differ", "[sasl][scram]") {
    auto server = make_server();
    ClientSetup setup{"SCRAM-SHA-256-PLUS"};
    setup.tls_exporter = kExporter;
    setup.tls_exporter.back() ^= 1;
    const Transcript t = drive(*server, setup, directory(), {true, {kUnique, kExporter}});
    CHECK(t.statuses == kScramProofFailure);
    CHECK(t.last.condition == "not-authorized");
}

TEST_CASE("SCRAM-PLUS fails when the client wants a binding the server lacks", "[sasl][scram]") {
    auto server = make_server();
    ClientSetup setup{"SCRAM-SHA-1-PLUS"};
    setup.tls_unique = kUnique;  // e.g. TLS 1.3, where only tls-exporter exists
    const Transcript t = drive(*server, setup, directory(), {true, {{}, kExporter}});
    CHECK(t.statuses == std::vector<Status>{Status::kFailure});
    CHECK(t.last.condition == "not-authorized");
    CHECK(t.lookups == 0);
}

TEST_CASE("a client saying 'y' while the server offers PLUS is refused", "[sasl][scram]") {
    // RFC 5802 §6: 'y' means "I could bind but you do not seem to": with
    // -PLUS on offer that is a downgrade.
    auto server = make_server();
    const std::string client_first = "y,,n=juliet,r=fyko+d2lbbFgONRv9qkxdawL";
    for (const ChannelBindings& cb :
         {ChannelBindings{kUnique, {}}, ChannelBindings{{}, kExporter}}) {
        const auto step = first_step(*server, "SCRAM-SHA-1", client_first, cb);
        CHECK(step.status == Status::kFailure);
        CHECK(step.condition == "not-authorized");
    }
    // Without channel binding on offer, 'y' is honest and accepted.
    CHECK(first_step(*server, "SCRAM-SHA-1", client_first).status == Status::kNeedCredentials);
}

TEST_CASE("a wrong SCRAM password fails at the proof", "[sasl][scram]") {
    const std::string mechanism = GENERATE("SCRAM-SHA-1", "SCRAM-SHA-256");
    auto server = make_server();
    ClientSetup setup{mechanism};
    setup.password = "wherefore";
    const Transcript t = drive(*server, setup, directory());
    CHECK(t.statuses == kScramProofFailure);
    CHECK(t.last.condition == "not-authorized");
}

TEST_CASE("an unknown SCRAM user fails exactly like a wrong password", "[sasl][scram]") {
    const std::string mechanism = GENERATE("SCRAM-SHA-1", "SCRAM-SHA-256");
    auto server = make_server();
    ClientSetup wrong{mechanism};
    wrong.password = "wherefore";
    ClientSetup stranger{mechanism, "tybalt"};
    const Transcript a = drive(*server, wrong, directory());
    const Transcript b = drive(*server, stranger, directory());
    CHECK(b.statuses == a.statuses);
    CHECK(b.last.condition == a.last.condition);
    CHECK(b.lookups == 1);

    // The invented salt looks like a real one and stays put for the name,
    // as a real user's does; another name gets another salt.
    const auto first = attributes(b.challenges.at(0));
    CHECK(unb64(first.at('s')).size() == unb64(attributes(a.challenges.at(0)).at('s')).size());
    CHECK(first.at('i') == "4096");
    const Transcript again = drive(*server, stranger, directory());
    CHECK(attributes(again.challenges.at(0)).at('s') == first.at('s'));
    const Transcript other = drive(*server, {mechanism, "mercutio"}, directory());
    CHECK(attributes(other.challenges.at(0)).at('s') != first.at('s'));
}

TEST_CASE("an account without a credential for the hash fails at the proof", "[sasl][scram]") {
    auto server = make_server();
    // "nurse" has only a SHA-1 credential (with juliet's password).
    CHECK(drive(*server, {"SCRAM-SHA-1", "nurse"}, directory()).statuses == kScramSuccess);
    const Transcript t = drive(*server, {"SCRAM-SHA-256", "nurse"}, directory());
    CHECK(t.statuses == kScramProofFailure);
    CHECK(t.last.condition == "not-authorized");
}

TEST_CASE("an empty initial response gets an empty challenge", "[sasl]") {
    const std::string mechanism = GENERATE("SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN");
    auto server = make_server();
    const Transcript t = drive(*server, {mechanism}, directory(), {true, {}, false});
    CHECK(t.statuses.front() == Status::kChallenge);
    CHECK(t.last.status == Status::kSuccess);

    // "=" is a present but empty initial response: the same for both.
    auto exchange = server->start(mechanism, true, {});
    REQUIRE(exchange);
    const auto step = exchange->step("=");
    CHECK(step.status == Status::kChallenge);
    CHECK(step.data == "=");
    // Another empty answer would only loop.
    const auto again = exchange->step("=");
    CHECK(again.status == Status::kFailure);
    CHECK(again.condition == "malformed-request");
}

TEST_CASE("bad client data is malformed-request, before any lookup", "[sasl]") {
    auto server = make_server();
    const std::string mechanism = GENERATE("SCRAM-SHA-1", "PLAIN");
    for (const std::string& wire :
         {std::string("!!!!"), std::string("QUJD\n"), std::string("QUJ"), std::string("QU JD"),
          b64("hello"), b64("n,,x=juliet"), b64("n,,n=juliet"), b64("n,,n=,r=abcdefgh"),
          b64(std::string("juliet\0pw", 9)), b64(std::string("\0\0pw", 4))}) {
        INFO(wire);
        auto exchange = server->start(mechanism, true, {});
        REQUIRE(exchange);
        const auto step = exchange->step(wire);
        CHECK(step.status == Status::kFailure);
        CHECK(step.condition == "malformed-request");
    }
}

TEST_CASE("a garbled SCRAM client-final is malformed-request", "[sasl][scram]") {
    auto server = make_server();
    auto exchange = server->start("SCRAM-SHA-256", true, {});
    REQUIRE(exchange);
    REQUIRE(exchange->step(b64("n,,n=juliet,r=abcdefghijklmnop")).status ==
            Status::kNeedCredentials);
    exchange->set_credentials(juliet().sha1, juliet().sha256);
    REQUIRE(exchange->resume().status == Status::kChallenge);
    const auto step = exchange->step(b64("c=biws"));
    CHECK(step.status == Status::kFailure);
    CHECK(step.condition == "malformed-request");
}

TEST_CASE("oversized client data is refused", "[sasl]") {
    auto server = make_server();
    auto step_with = [&](const std::string& raw) {
        auto exchange = server->start("SCRAM-SHA-1", true, {});
        REQUIRE(exchange);
        return exchange->step(b64(raw));
    };
    const auto over = step_with(std::string(kMaxClientMessage + 1, 'a'));
    CHECK(over.status == Status::kFailure);
    CHECK(over.condition == "malformed-request");
    CHECK(over.text == "client message too long");
    // At the limit the size is fine; the content is not.
    const auto at = step_with(std::string(kMaxClientMessage, 'a'));
    CHECK(at.condition == "malformed-request");
    CHECK(at.text != "client message too long");
    // Too long to be worth decoding, even if it is not base64.
    auto exchange = server->start("SCRAM-SHA-1", true, {});
    CHECK(exchange->step(std::string(2 * kMaxClientMessage, '*')).text ==
          "client message too long");
}

TEST_CASE("steps out of turn end the exchange with malformed-request", "[sasl]") {
    auto server = make_server();
    const Transcript done = drive(*server, {"SCRAM-SHA-1"}, directory());
    REQUIRE(done.last.status == Status::kSuccess);

    auto exchange = server->start("SCRAM-SHA-1", true, {});
    REQUIRE(exchange);
    const std::string client_first = b64("n,,n=juliet,r=abcdefghijklmnop");
    REQUIRE(exchange->step(client_first).status == Status::kNeedCredentials);
    // resume() before the lookup answered keeps asking.
    CHECK(exchange->resume().status == Status::kNeedCredentials);
    CHECK(exchange->username() == "juliet");
    // The client may not speak while the server has not.
    const auto early = exchange->step(client_first);
    CHECK(early.status == Status::kFailure);
    CHECK(early.condition == "malformed-request");
    const auto after = exchange->step(client_first);
    CHECK(after.status == Status::kFailure);
    CHECK(after.condition == "malformed-request");
    CHECK(exchange->resume().status == Status::kFailure);
}

TEST_CASE("a malformed stored credential is a temporary failure", "[sasl][scram]") {
    auto server = make_server();
    auto exchange = server->start("SCRAM-SHA-1", true, {});
    REQUIRE(exchange);
    REQUIRE(exchange->step(b64("n,,n=juliet,r=abcdefghijklmnop")).status ==
            Status::kNeedCredentials);
    ScramCredential bad = juliet().sha1;
    bad.stored_key = "zz";
    exchange->set_credentials(bad, {});
    const auto step = exchange->resume();
    CHECK(step.status == Status::kFailure);
    CHECK(step.condition == "temporary-auth-failure");
}

TEST_CASE("username() is the SASLprep'd, unescaped authid", "[sasl][scram]") {
    auto server = make_server();
    auto exchange = server->start("SCRAM-SHA-1", true, {});
    REQUIRE(exchange);
    REQUIRE(exchange
                ->step(b64("n,a=x=2Cy,n=ju\xC2\xA0li=3D"
                           "et,r=abcdefgh"))
                .status == Status::kNeedCredentials);
    CHECK(exchange->username() == "ju li=et");
    CHECK(exchange->authzid() == "x,y");
}

TEST_CASE("authzid is passed through for the caller to judge", "[sasl]") {
    const std::string mechanism = GENERATE("SCRAM-SHA-1", "SCRAM-SHA-256-PLUS", "PLAIN");
    auto server = make_server();
    ClientSetup setup{mechanism};
    setup.authzid = "romeo@example.net";
    if (mechanism.ends_with("-PLUS")) {
        setup.tls_exporter = kExporter;
    }
    const Transcript t = drive(*server, setup, directory(), {true, {{}, kExporter}});
    CHECK(t.last.status == Status::kSuccess);
    CHECK(t.username == "juliet");
    CHECK(t.authzid == "romeo@example.net");
    setup.authzid.clear();
    CHECK(drive(*server, setup, directory(), {true, {{}, kExporter}}).authzid.empty());
}

TEST_CASE("PLAIN hands over the password for the check, then forgets it", "[sasl][plain]") {
    auto server = make_server();
    auto exchange = server->start("PLAIN", true, {});
    REQUIRE(exchange);
    auto step = exchange->step(b64(std::string("\0juliet\0", 8) + kPassword));
    REQUIRE(step.status == Status::kNeedCredentials);
    CHECK(exchange->username() == "juliet");
    CHECK(exchange->authzid().empty());
    exchange->set_credentials(juliet().sha1, juliet().sha256);
    step = exchange->resume();
    REQUIRE(step.status == Status::kNeedPasswordCheck);
    CHECK(exchange->password() == kPassword);
    CHECK(exchange->password_hash() == Hash::kSha256);
    CHECK(exchange->resume().status == Status::kNeedPasswordCheck);
    exchange->set_password_verdict(
        jng::sasl::verify(exchange->password_hash(), exchange->password(), juliet().sha256));
    CHECK(exchange->password().empty());
    step = exchange->resume();
    CHECK(step.status == Status::kSuccess);
    CHECK(step.data.empty());  // PLAIN has no additional data
}

TEST_CASE("PLAIN with a libgsasl client", "[sasl][plain]") {
    auto server = make_server();
    const Transcript ok = drive(*server, {"PLAIN"}, directory());
    CHECK(ok.statuses == std::vector<Status>{Status::kNeedCredentials, Status::kNeedPasswordCheck,
                                             Status::kSuccess});
    CHECK(ok.password_after.empty());

    ClientSetup wrong{"PLAIN"};
    wrong.password = "wherefore";
    const Transcript bad = drive(*server, wrong, directory());
    CHECK(bad.last.status == Status::kFailure);
    CHECK(bad.last.condition == "not-authorized");
    CHECK(bad.checks == 1);
    CHECK(bad.password_after.empty());

    const Transcript stranger = drive(*server, {"PLAIN", "tybalt"}, directory());
    CHECK(stranger.last.condition == "not-authorized");
    CHECK(stranger.checks == 0);

    // With only a SHA-1 credential, the check runs against that one.
    auto exchange = server->start("PLAIN", true, {});
    REQUIRE(exchange->step(b64(std::string("\0nurse\0", 7) + kPassword)).status ==
            Status::kNeedCredentials);
    exchange->set_credentials(juliet().sha1, {});
    REQUIRE(exchange->resume().status == Status::kNeedPasswordCheck);
    CHECK(exchange->password_hash() == Hash::kSha1);
}

TEST_CASE("an exchange outlives its server", "[sasl]") {
    auto server = make_server();
    auto exchange = server->start("SCRAM-SHA-256", true, {});
    REQUIRE(exchange);
    server.reset();
    Client client({"SCRAM-SHA-256"});
    std::string reply;
    client.respond("", reply);
    REQUIRE(exchange->step(reply).status == Status::kNeedCredentials);
    exchange->set_credentials(juliet().sha1, juliet().sha256);
    auto step = exchange->resume();
    REQUIRE(step.status == Status::kChallenge);
    REQUIRE(client.respond(step.data, reply) == GSASL_NEEDS_MORE);
    step = exchange->step(reply);
    REQUIRE(step.status == Status::kSuccess);
    CHECK(client.respond(step.data, reply) == GSASL_OK);
}
