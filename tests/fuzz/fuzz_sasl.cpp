// Fuzz target: the server side of SASL. The input is split into client
// messages; the exchange runs every mechanism with known credentials and
// must answer each message with a challenge, success or failure - and never
// succeed, since the fuzzer does not know the password.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/scram.hpp"
#include "sasl/server.hpp"

namespace {

constexpr std::string_view kPassword = "a secret nobody guesses";
constexpr std::string_view kSalt = "salt-salt-salt-1";

struct Fixture {
    std::unique_ptr<jng::sasl::Server> server = std::move(jng::sasl::Server::create().value());
    jng::sasl::ScramCredential sha1 =
        jng::sasl::derive_with_salt(jng::sasl::Hash::kSha1, kPassword, 4096, kSalt).value();
    jng::sasl::ScramCredential sha256 =
        jng::sasl::derive_with_salt(jng::sasl::Hash::kSha256, kPassword, 4096, kSalt).value();
};

Fixture& fixture() {
    static Fixture f;  // PBKDF2 once, not per input
    return f;
}

std::vector<std::string_view> split(std::string_view in) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t i = 0; i <= in.size(); ++i) {
        if (i == in.size() || in[i] == '\n') {
            parts.push_back(in.substr(start, i - start));
            start = i + 1;
        }
    }
    return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    using Status = jng::sasl::Exchange::Status;
    static const char* const kMechs[] = {"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256",
                                         "SCRAM-SHA-1", "PLAIN"};
    Fixture& f = fixture();
    jng::sasl::ChannelBindings cb{"0123456789ab", "0123456789abcdef0123456789abcdef"};
    const char* mech = kMechs[data[0] % 5];
    auto exchange = f.server->start(mech, true, cb);
    if (!exchange) __builtin_trap();
    const bool known_user = data[0] & 0x80;
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    for (std::string_view message : split(rest)) {
        auto step = exchange->step(message);
        for (int guard = 0; guard < 4; ++guard) {
            if (step.status == Status::kNeedCredentials) {
                if (known_user) {
                    exchange->set_credentials(f.sha1, f.sha256);
                } else {
                    exchange->set_unknown_user();
                }
                step = exchange->resume();
            } else if (step.status == Status::kNeedPasswordCheck) {
                exchange->set_password_verdict(false);
                step = exchange->resume();
            }
        }
        if (step.status == Status::kSuccess) __builtin_trap();
        if (step.status == Status::kFailure) break;
    }
    return 0;
}
