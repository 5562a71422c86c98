// One server-side SASL exchange on libgsasl, and the stop-and-replay that
// lets credentials arrive asynchronously while libgsasl asks for them inline.
//
// libgsasl 2.2.0 asks for what it needs through the callback, in this order
// (observed; the unit tests pin down the consequences). SCRAM, on the
// client-first message: the channel binding the client named in its gs2
// header (GSASL_CB_TLS_EXPORTER or GSASL_CB_TLS_UNIQUE; for a non-PLUS
// mechanism only when the client sent 'y', to refuse a downgrade), then, with
// GSASL_AUTHID/AUTHZID already set, GSASL_SCRAM_ITER and GSASL_SCRAM_SALT. On
// the client-final message: GSASL_SCRAM_SERVERKEY then GSASL_SCRAM_STOREDKEY
// (in base64, whatever gsasl.h says; no password is asked for when both are
// given). PLAIN sets AUTHID, AUTHZID (defaulting to AUTHID) and PASSWORD, all
// SASLprep'd, then asks for GSASL_VALIDATE_SIMPLE.
//
// When the callback is asked for something that is still being looked up,
// it declines and notes it; what that step produced is discarded with its
// session, and the caller is told what to fetch. resume() then starts a fresh
// session and feeds it the same client message, now answered in full. The
// client only ever sees the replayed session's output. Only the first
// non-empty message can be the one replayed: by the time a second one
// arrives, everything the mechanism will ask for is known.
#include <array>
#include <optional>

#include "sasl/context.hpp"
#include "sasl/scram.hpp"

namespace jng::sasl::detail {
namespace {

// The longest base64 text that can decode to kMaxClientMessage octets;
// anything longer is refused before it is decoded.
constexpr size_t kMaxEncoded = 4 * ((kMaxClientMessage + 2) / 3);
constexpr size_t kInventedSaltBytes = 16;

// RFC 6120 §6.5 condition for a libgsasl step error.
std::string condition_for(int rc) {
    switch (rc) {
        case GSASL_MECHANISM_PARSE_ERROR:
        case GSASL_BASE64_ERROR:
        case GSASL_MECHANISM_CALLED_TOO_MANY_TIMES:
            return "malformed-request";
        case GSASL_AUTHENTICATION_ERROR:
        case GSASL_SASLPREP_ERROR:      // such a name or password cannot match
        case GSASL_NO_CB_TLS_UNIQUE:    // the client wants a binding this TLS
        case GSASL_NO_CB_TLS_EXPORTER:  // connection cannot give
            return "not-authorized";
        default:
            return "temporary-auth-failure";
    }
}

// XMPP's conventions (RFC 6120 §6.4.2): no data and "=" both mean empty.
Status decode_client(std::string_view text, std::string& out) {
    out.clear();
    if (text.empty() || text == "=") {
        return {};
    }
    if (text.size() > kMaxEncoded) {
        return fail("client message too long");
    }
    if (!base64_decode(text, out)) {
        return fail("client message is not base64");
    }
    if (out.size() > kMaxClientMessage) {
        wipe(out);
        return fail("client message too long");
    }
    return {};
}

// The authentication identity as username() reports it. libgsasl's SCRAM
// server checks that the name survives SASLprep but hands it over
// unprepared; PLAIN's is prepared already, and SASLprep is idempotent.
std::string prepared_name(const char* authid) {
    char* out = nullptr;
    if (gsasl_saslprep(authid, GSASL_ALLOW_UNASSIGNED, &out, nullptr) != GSASL_OK ||
        out == nullptr) {
        gsasl_free(out);
        return authid;
    }
    const GsaslChars owner(out);
    return out;
}

class ExchangeImpl final : public Exchange {
  public:
    ExchangeImpl(std::shared_ptr<const Context> ctx, const MechanismInfo& mechanism,
                 const ChannelBindings& cb)
        : ctx_(std::move(ctx)),
          mechanism_(mechanism.name),
          scram_(mechanism.scram),
          hash_(mechanism.hash) {
        // Given to every SCRAM session, PLUS or not: a non-PLUS session
        // needs them to refuse a client that says 'y' (RFC 5802 §6).
        if (scram_) {
            cb_unique_ = base64_encode(cb.tls_unique).value_or("");
            cb_exporter_ = base64_encode(cb.tls_exporter).value_or("");
        }
    }
    ExchangeImpl(const ExchangeImpl&) = delete;
    ExchangeImpl& operator=(const ExchangeImpl&) = delete;
    ~ExchangeImpl() override {
        wipe(password_);
        wipe(pending_);
    }

    // A fresh libgsasl session whose callbacks reach this object.
    bool open_session() {
        Gsasl_session* raw = nullptr;
        if (gsasl_server_start(ctx_->gsasl.get(), mechanism_.c_str(), &raw) != GSASL_OK) {
            return false;  // libgsasl has freed what it had started
        }
        session_.reset(raw);
        gsasl_session_hook_set(raw, this);
        fed_ = false;
        sent_empty_challenge_ = false;
        return true;
    }

    Step step(std::string_view base64) override {
        if (state_ == State::kDone) {
            return finish_failure("malformed-request", "data after the exchange ended");
        }
        if (state_ != State::kRunning) {
            return finish_failure("malformed-request", "data before the server asked for it");
        }
        std::string input;
        if (const jng::Status decoded = decode_client(base64, input); !decoded) {
            return finish_failure("malformed-request", decoded.message());
        }
        // Neither mechanism ever wants an empty response to its empty
        // challenge; answering it again would loop forever.
        if (input.empty() && sent_empty_challenge_) {
            return finish_failure("malformed-request", "empty response to an empty challenge");
        }
        Step result = run(input);
        wipe(input);
        return result;
    }

    Step resume() override {
        switch (state_) {
            case State::kNeedCredentials:
                if (lookup_ == Lookup::kPending) {
                    return {Status::kNeedCredentials, {}, {}, {}};
                }
                if (broken_) {
                    return finish_failure("temporary-auth-failure",
                                          "stored SCRAM credential is malformed");
                }
                if (scram_) {
                    return replay();
                }
                if (lookup_ == Lookup::kUnknown) {
                    return finish_failure("not-authorized", "no such user");
                }
                state_ = State::kNeedPasswordCheck;
                return {Status::kNeedPasswordCheck, {}, {}, {}};
            case State::kNeedPasswordCheck:
                if (!verdict_) {
                    return {Status::kNeedPasswordCheck, {}, {}, {}};
                }
                return replay();
            case State::kRunning:
            case State::kDone:
                break;
        }
        return finish_failure("temporary-auth-failure", "resume() with nothing to resume");
    }

    void set_credentials(const ScramCredential& sha1, const ScramCredential& sha256) override {
        if (state_ != State::kNeedCredentials || lookup_ != Lookup::kPending) {
            return;
        }
        lookup_ = Lookup::kFound;
        if (scram_) {
            const ScramCredential& own = hash_ == Hash::kSha256 ? sha256 : sha1;
            // An account without a credential for this hash cannot log in
            // with it; fail the same way as for a stranger.
            adopt(own.empty() ? invent_credential(*ctx_, hash_, username_) : own);
        } else if (!sha256.empty()) {
            password_hash_ = Hash::kSha256;
        } else if (!sha1.empty()) {
            password_hash_ = Hash::kSha1;
        } else {
            lookup_ = Lookup::kUnknown;
        }
    }

    void set_unknown_user() override {
        if (state_ != State::kNeedCredentials || lookup_ != Lookup::kPending) {
            return;
        }
        lookup_ = Lookup::kUnknown;
        if (scram_) {
            adopt(invent_credential(*ctx_, hash_, username_));
        }
    }

    void set_password_verdict(bool ok) override {
        if (state_ != State::kNeedPasswordCheck || scram_) {
            return;
        }
        verdict_ = ok;
        // Checked: nothing needs it any more.
        wipe(password_);
    }

    const std::string& mechanism() const override { return mechanism_; }
    const std::string& username() const override { return username_; }
    const std::string& authzid() const override { return authzid_; }
    const std::string& password() const override { return password_; }
    Hash password_hash() const override { return password_hash_; }

    int on_property(Gsasl_session* session, Gsasl_property property) {
        switch (property) {
            case GSASL_CB_TLS_UNIQUE:
                return offer(session, property, cb_unique_);
            case GSASL_CB_TLS_EXPORTER:
                return offer(session, property, cb_exporter_);
            case GSASL_SCRAM_ITER:
            case GSASL_SCRAM_SALT:
            case GSASL_SCRAM_SERVERKEY:
            case GSASL_SCRAM_STOREDKEY:
                if (!scram_) {
                    return GSASL_NO_CALLBACK;
                }
                if (lookup_ == Lookup::kPending) {
                    missing_ = true;
                    return GSASL_NO_CALLBACK;
                }
                return offer(session, property, scram_answer(property));
            case GSASL_VALIDATE_SIMPLE:
                return scram_ ? GSASL_AUTHENTICATION_ERROR : validate_plain(session);
            default:
                // GSASL_PASSWORD included: SCRAM gets keys, never a password.
                return GSASL_NO_CALLBACK;
        }
    }

  private:
    enum class State { kRunning, kNeedCredentials, kNeedPasswordCheck, kDone };
    enum class Lookup { kPending, kFound, kUnknown };

    // One gsasl_step on the current session.
    Step run(const std::string& input) {
        missing_ = false;
        // RFC 4616 §2: a PLAIN message that starts with NUL has no authzid.
        // libgsasl fills GSASL_AUTHZID with the authid then, which a caller
        // could not tell from an explicit one.
        plain_authzid_absent_ = !scram_ && !input.empty() && input.front() == '\0';
        char* out = nullptr;
        size_t out_len = 0;
        const int rc = gsasl_step(session_.get(), input.data(), input.size(), &out, &out_len);
        const GsaslChars owner(out);
        const std::string output(out != nullptr ? out : "", out != nullptr ? out_len : 0);
        capture_identity();
        if (missing_) {
            return stop(input);
        }
        if (!input.empty()) {
            fed_ = true;
        }
        if (rc == GSASL_NEEDS_MORE) {
            sent_empty_challenge_ = output.empty();
            if (output.empty()) {
                return {Status::kChallenge, "=", {}, {}};  // RFC 6120 §6.4.2
            }
            auto data = base64_encode(output);
            if (!data) {
                return finish_failure("temporary-auth-failure", "out of memory");
            }
            return {Status::kChallenge, std::move(*data), {}, {}};
        }
        if (rc == GSASL_OK) {
            // PLAIN has no additional data: an empty <success/>. SCRAM's is
            // the server signature (RFC 5802 §5.1 "v=").
            std::string data;
            if (!output.empty()) {
                auto encoded = base64_encode(output);
                if (!encoded) {
                    return finish_failure("temporary-auth-failure", "out of memory");
                }
                data = std::move(*encoded);
            }
            finish();
            return {Status::kSuccess, std::move(data), {}, {}};
        }
        return finish_failure(condition_for(rc), gsasl_strerror(rc));
    }

    // The callback was asked for something not known yet. What this session
    // said is void: drop it, keep the message for replay, tell the caller.
    Step stop(const std::string& input) {
        session_.reset();
        // libgsasl's PLAIN lets an empty authcid through; RFC 4616 §2 wants
        // one octet at least, and a lookup of "" helps no one.
        if (username_.empty()) {
            return finish_failure("malformed-request", "empty authentication identity");
        }
        // Credentials are the only thing asked for before they are known
        // (PLAIN's verdict is settled before its replay), and only on the
        // first message.
        if (fed_ || lookup_ != Lookup::kPending) {
            return finish_failure("temporary-auth-failure",
                                  "libgsasl asked for data at a step that cannot be replayed");
        }
        pending_ = input;
        state_ = State::kNeedCredentials;
        return {Status::kNeedCredentials, {}, {}, {}};
    }

    Step replay() {
        // A copy, then a wipe: moving a short string would leave its bytes
        // behind in pending_'s inline buffer.
        std::string input = pending_;
        wipe(pending_);
        state_ = State::kRunning;
        if (!open_session()) {
            wipe(input);
            return finish_failure("temporary-auth-failure", "libgsasl could not start a session");
        }
        Step result = run(input);
        wipe(input);
        return result;
    }

    void capture_identity() {
        if (!session_) {
            return;
        }
        const char* authid = gsasl_property_fast(session_.get(), GSASL_AUTHID);
        if (authid == nullptr) {
            return;
        }
        username_ = prepared_name(authid);
        const char* authzid = gsasl_property_fast(session_.get(), GSASL_AUTHZID);
        authzid_ = authzid != nullptr && !plain_authzid_absent_ ? authzid : "";
    }

    int validate_plain(Gsasl_session* session) {
        if (!verdict_) {
            const char* pw = gsasl_property_fast(session, GSASL_PASSWORD);
            wipe(password_);
            password_ = pw != nullptr ? pw : "";
            missing_ = true;
            return GSASL_AUTHENTICATION_ERROR;
        }
        return *verdict_ ? GSASL_OK : GSASL_AUTHENTICATION_ERROR;
    }

    // Checks a credential once and keeps it in the forms libgsasl reads.
    void adopt(const ScramCredential& credential) {
        const size_t len = hash_length(hash_);
        const auto stored = hex_decode(credential.stored_key);
        const auto server = hex_decode(credential.server_key);
        std::string salt;
        if (credential.iterations < 1 || !base64_decode(credential.salt, salt) || salt.empty() ||
            !stored || stored->size() != len || !server || server->size() != len) {
            broken_ = true;
            return;
        }
        auto stored64 = base64_encode(*stored);
        auto server64 = base64_encode(*server);
        if (!stored64 || !server64) {
            broken_ = true;
            return;
        }
        iterations_ = std::to_string(credential.iterations);
        salt_ = credential.salt;
        stored_key_ = std::move(*stored64);
        server_key_ = std::move(*server64);
    }

    const std::string& scram_answer(Gsasl_property property) const {
        switch (property) {
            case GSASL_SCRAM_ITER:
                return iterations_;
            case GSASL_SCRAM_SALT:
                return salt_;
            case GSASL_SCRAM_SERVERKEY:
                return server_key_;
            default:
                return stored_key_;
        }
    }

    static int offer(Gsasl_session* session, Gsasl_property property, const std::string& value) {
        if (value.empty()) {
            return GSASL_NO_CALLBACK;
        }
        return gsasl_property_set(session, property, value.c_str());
    }

    void finish() {
        state_ = State::kDone;
        wipe(password_);
        wipe(pending_);
        // libgsasl keeps its own copy of a PLAIN password in the session.
        session_.reset();
    }

    Step finish_failure(std::string condition, std::string text) {
        finish();
        return {Status::kFailure, {}, std::move(condition), std::move(text)};
    }

    std::shared_ptr<const Context> ctx_;
    std::string mechanism_;
    bool scram_;
    Hash hash_;
    std::string cb_unique_;  // base64, as libgsasl wants them
    std::string cb_exporter_;

    SessionPtr session_;
    State state_ = State::kRunning;
    Lookup lookup_ = Lookup::kPending;
    bool broken_ = false;
    bool fed_ = false;  // the session has consumed a non-empty message
    bool sent_empty_challenge_ = false;
    bool missing_ = false;  // set by the callback during one gsasl_step
    bool plain_authzid_absent_ = false;
    std::string pending_;  // the client message to replay

    // SCRAM: the credential in libgsasl's forms.
    std::string iterations_, salt_, stored_key_, server_key_;
    // PLAIN.
    Hash password_hash_ = Hash::kSha256;
    std::optional<bool> verdict_;

    std::string username_, authzid_, password_;
};

}  // namespace

int exchange_callback(Gsasl*, Gsasl_session* session, Gsasl_property property) noexcept {
    auto* exchange = static_cast<ExchangeImpl*>(gsasl_session_hook_get(session));
    if (exchange == nullptr) {
        return GSASL_NO_CALLBACK;
    }
    try {
        return exchange->on_property(session, property);
    } catch (...) {
        // Only allocation can throw here; libgsasl has a code for that.
        return GSASL_MALLOC_ERROR;
    }
}

ScramCredential invent_credential(const Context& ctx, Hash hash, std::string_view username) {
    // PBKDF2 with one iteration is a single HMAC keyed by the process secret
    // over (mechanism, username): a keyed function built from libgsasl's
    // primitives, cheap enough for the loop thread.
    std::string input(hash == Hash::kSha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-1");
    input.push_back('\0');
    input.append(username);
    std::array<char, GSASL_HASH_MAX_SIZE> prf{}, client{}, server{}, stored{};
    const int rc = gsasl_scram_secrets_from_password(to_gsasl(hash), ctx.unknown_user_key.c_str(),
                                                     1, input.data(), input.size(), prf.data(),
                                                     client.data(), server.data(), stored.data());
    if (rc != GSASL_OK) {
        return {};
    }
    // Random keys: no proof can match them, and they are never revealed.
    const size_t len = hash_length(hash);
    std::array<char, 2 * size_t{GSASL_HASH_MAX_SIZE}> keys{};
    if (gsasl_nonce(keys.data(), 2 * len) != GSASL_OK) {
        return {};
    }
    auto salt = base64_encode(std::string_view(prf.data(), kInventedSaltBytes));
    auto stored_hex = hex_encode(std::string_view(keys.data(), len));
    auto server_hex = hex_encode(std::string_view(keys.data() + len, len));
    if (!salt || !stored_hex || !server_hex) {
        return {};
    }
    ScramCredential credential;
    credential.iterations = kDefaultIterations;
    credential.salt = std::move(*salt);
    credential.stored_key = std::move(*stored_hex);
    credential.server_key = std::move(*server_hex);
    return credential;
}

std::unique_ptr<Exchange> make_exchange(std::shared_ptr<const Context> ctx,
                                        const MechanismInfo& mechanism, const ChannelBindings& cb) {
    auto exchange = std::make_unique<ExchangeImpl>(std::move(ctx), mechanism, cb);
    if (!exchange->open_session()) {
        return nullptr;
    }
    return exchange;
}

}  // namespace jng::sasl::detail
