// The server side of a SASL exchange on libgsasl. libgsasl asks for
// credentials through synchronous callbacks, but our credentials live in a
// database reached asynchronously; so an Exchange stops and says what it
// needs (kNeedCredentials, kNeedPasswordCheck), the caller fetches or checks
// it off the loop, hands it back, and resume() continues. Nothing here
// blocks.
//
// Threads: Server and Exchange belong to the loop thread (they share one
// libgsasl handle and its callback). An Exchange may outlive its Server.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"
#include "sasl/credential.hpp"

namespace jng::sasl {

// Channel binding data of the TLS connection the exchange runs over (raw
// bytes; empty when that type is unavailable).
struct ChannelBindings {
    std::string tls_unique;    // RFC 5929, TLS <= 1.2
    std::string tls_exporter;  // RFC 9266
    bool any() const { return !tls_unique.empty() || !tls_exporter.empty(); }
};

class Exchange {
public:
    enum class Status {
        kChallenge,          // send `data` as <challenge/>, wait for <response/>
        kSuccess,            // send <success/> with `data` (may be empty)
        kFailure,            // send <failure><condition/></failure>
        kNeedCredentials,    // look up username(); then set_credentials() or set_unknown_user(), resume()
        kNeedPasswordCheck,  // PLAIN: verify password() against the credential off the loop,
                             // then set_password_verdict(), resume()
    };
    struct Step {
        Status status;
        std::string data;       // base64, ready for the wire: "=" for an empty challenge
                                // (RFC 6120 §6.4.2); empty for <success/> without
                                // additional data (PLAIN)
        std::string condition;  // kFailure: RFC 6120 §6.5 condition, e.g. "not-authorized"
        std::string text;       // kFailure: for logs
    };

    virtual ~Exchange() = default;

    // Client data as it appears in <auth/> or <response/>: base64, "=" or
    // empty for none. Data after the end, or while a kNeed* is outstanding,
    // ends the exchange with malformed-request.
    virtual Step step(std::string_view base64) = 0;
    // After a kNeed*: continues once the data asked for has been set (until
    // then it repeats the same kNeed*).
    virtual Step resume() = 0;

    // Honoured only while kNeedCredentials is outstanding. A user without a
    // credential for the mechanism's hash is treated like an unknown user.
    virtual void set_credentials(const ScramCredential& sha1, const ScramCredential& sha256) = 0;
    // The user does not exist: SCRAM goes on with invented credentials and
    // fails at the proof, like a wrong password, so a client cannot probe for
    // accounts. PLAIN fails at the next resume() (there is no password check
    // to run); a caller that cares about timing delays its <failure/>.
    virtual void set_unknown_user() = 0;
    virtual void set_password_verdict(bool ok) = 0;

    virtual const std::string& mechanism() const = 0;
    // The authentication identity as the client sent it (after SASLprep), and
    // the requested authorization identity (empty when none was given). The
    // Exchange does not judge authzid: the caller, who knows the realm,
    // answers invalid-authzid (RFC 6120 §6.5.6) unless it is empty or
    // exactly username@realm.
    virtual const std::string& username() const = 0;
    virtual const std::string& authzid() const = 0;
    // PLAIN only, for the password check; wiped once the verdict is set or
    // the exchange ends.
    virtual const std::string& password() const = 0;
    virtual Hash password_hash() const = 0;  // which credential verify() should use
};

class Server {
public:
    static Result<std::unique_ptr<Server>> create();
    virtual ~Server() = default;

    // What to offer, strongest first: the -PLUS variants only with channel
    // binding, PLAIN only over TLS.
    virtual std::vector<std::string> mechanisms(bool tls, const ChannelBindings& cb) const = 0;

    // nullptr when `mechanism` is not one of mechanisms(tls, cb), or when
    // libgsasl cannot start a session (out of memory).
    virtual std::unique_ptr<Exchange> start(std::string_view mechanism, bool tls,
                                            const ChannelBindings& cb) = 0;
};

// Maximum decoded size of one client message; longer input fails with
// malformed-request.
constexpr size_t kMaxClientMessage = 8192;

}  // namespace jng::sasl
