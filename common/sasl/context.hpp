// What a Server shares with the exchanges it starts: the libgsasl handle and
// the per-process secret behind invented credentials. Internal to jng_sasl.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sasl/gsasl_util.hpp"
#include "sasl/server.hpp"

namespace jng::sasl::detail {

enum class Mechanism { kScramSha256Plus, kScramSha1Plus, kScramSha256, kScramSha1, kPlain };

struct MechanismInfo {
    Mechanism id;
    std::string_view name;
    bool scram;
    bool plus;
    Hash hash;  // for PLAIN: unused, password_hash() decides
};

// Strongest first: the order Server::mechanisms() offers them in.
inline constexpr MechanismInfo kMechanisms[] = {
    {Mechanism::kScramSha256Plus, "SCRAM-SHA-256-PLUS", true, true, Hash::kSha256},
    {Mechanism::kScramSha1Plus, "SCRAM-SHA-1-PLUS", true, true, Hash::kSha1},
    {Mechanism::kScramSha256, "SCRAM-SHA-256", true, false, Hash::kSha256},
    {Mechanism::kScramSha1, "SCRAM-SHA-1", true, false, Hash::kSha1},
    {Mechanism::kPlain, "PLAIN", false, false, Hash::kSha256},
};

// Shared (not owned by the Server alone) so that an Exchange still in
// flight when its Server goes away keeps a valid libgsasl handle.
struct Context {
    GsaslPtr gsasl;
    // Printable (hex of 32 random bytes): it goes through libgsasl as a
    // PBKDF2 password, see invent_credential().
    std::string unknown_user_key;
};

// Installed with gsasl_callback_set(); finds the Exchange through the
// session hook. Never lets an exception out into C.
int exchange_callback(Gsasl* ctx, Gsasl_session* session, Gsasl_property property) noexcept;

// A credential for a user who does not exist: its salt is a keyed function of
// the username (stable for the life of the process, like a real user's), the
// iteration count is the default, the keys are random so no proof matches.
// Empty on failure.
ScramCredential invent_credential(const Context& ctx, Hash hash, std::string_view username);

// A new exchange on a started libgsasl session (nullptr if that fails).
std::unique_ptr<Exchange> make_exchange(std::shared_ptr<const Context> ctx,
                                        const MechanismInfo& mechanism, const ChannelBindings& cb);

}  // namespace jng::sasl::detail
