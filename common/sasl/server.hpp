// The server side of a SASL exchange on libgsasl. libgsasl asks for
// credentials through synchronous callbacks, but our credentials live in a
// database reached asynchronously; so an Exchange stops and says what it
// needs (kNeedCredentials, kNeedPasswordCheck), the caller fetches or checks
// it off the loop, hands it back, and resume() continues. Nothing here
// blocks.
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
        std::string data;       // base64, ready for the wire ("=" for empty success data)
        std::string condition;  // kFailure: RFC 6120 §6.5 condition, e.g. "not-authorized"
        std::string text;       // kFailure: for logs
    };

    virtual ~Exchange() = default;

    // Client data as it appears in <auth/> or <response/>: base64, "=" or
    // empty for none.
    virtual Step step(std::string_view base64) = 0;
    virtual Step resume() = 0;

    virtual void set_credentials(const ScramCredential& sha1, const ScramCredential& sha256) = 0;
    // The user does not exist: the exchange goes on with invented credentials
    // and fails at the end, so a client cannot probe for accounts.
    virtual void set_unknown_user() = 0;
    virtual void set_password_verdict(bool ok) = 0;

    virtual const std::string& mechanism() const = 0;
    // The authentication identity as the client sent it (after SASLprep), and
    // the requested authorization identity (may be empty).
    virtual const std::string& username() const = 0;
    virtual const std::string& authzid() const = 0;
    // PLAIN only, for the password check; wiped when the exchange ends.
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

    // nullptr when `mechanism` is not one of mechanisms(tls, cb).
    virtual std::unique_ptr<Exchange> start(std::string_view mechanism, bool tls,
                                            const ChannelBindings& cb) = 0;
};

// Maximum decoded size of one client message; longer input fails with
// malformed-request.
constexpr size_t kMaxClientMessage = 8192;

}  // namespace jng::sasl
