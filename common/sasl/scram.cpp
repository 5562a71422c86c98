// SCRAM credentials (RFC 5802 §3): derivation from a password and the check
// PLAIN needs. Thread-safe; deliberately slow.
//
// Thread-safety: everything here calls only libgsasl functions that take no
// Gsasl handle (gsasl_saslprep, gsasl_scram_secrets_from_salted_password,
// gsasl_nonce, gsasl_base64_*, gsasl_hex_*), and the TLS backend's one-shot
// PBKDF2. In 2.2.0 those use gnulib's stack-allocated hash/HMAC contexts,
// getrandom() and libidn's reentrant stringprep, and no global state; OpenSSL
// 3 and GnuTLS keep PBKDF2's state on the call too. Worker threads may call
// them at once.
#include "sasl/scram.hpp"

#include <gsasl.h>

#include <array>
#include <span>

#include "sasl/gsasl_util.hpp"
#include "tls/tls.hpp"

namespace jng::sasl {
namespace {

constexpr size_t kSaltBytes = 16;
// A stored count beyond this is corruption, not policy; refusing it keeps a
// bad row from pinning a worker thread for minutes.
constexpr int kMaxIterations = 10'000'000;

// The four outputs of gsasl_scram_secrets_from_password. SaltedPassword and
// ClientKey are password equivalents (RFC 5802 §9), so they are wiped.
struct Secrets {
    std::array<char, GSASL_HASH_MAX_SIZE> salted_password{};
    std::array<char, GSASL_HASH_MAX_SIZE> client_key{};
    std::array<char, GSASL_HASH_MAX_SIZE> server_key{};
    std::array<char, GSASL_HASH_MAX_SIZE> stored_key{};

    Secrets() = default;
    Secrets(const Secrets&) = delete;
    Secrets& operator=(const Secrets&) = delete;
    ~Secrets() {
        detail::wipe(salted_password.data(), salted_password.size());
        detail::wipe(client_key.data(), client_key.size());
    }
};

// What libgsasl's gsasl_scram_secrets_from_password does (SASLprep, then
// PBKDF2, then the keys), with the TLS backend's PBKDF2: libgsasl's portable
// SHA-256 took twice as long, and a PLAIN login or a new account waits for it.
Status compute(Hash hash, std::string_view password, int iterations, std::string_view raw_salt,
               Secrets& out) {
    if (iterations < 1 || iterations > kMaxIterations) {
        return fail("iteration count out of range");
    }
    if (raw_salt.empty()) {
        return fail("salt is empty");
    }
    auto prepared = saslprep(password);
    if (!prepared) {
        return prepared.error();
    }
    const size_t len = detail::hash_length(hash);
    const bool derived =
        tls::pbkdf2(hash == Hash::kSha1 ? tls::Prf::kHmacSha1 : tls::Prf::kHmacSha256, *prepared,
                    raw_salt, static_cast<unsigned>(iterations),
                    std::span(reinterpret_cast<unsigned char*>(out.salted_password.data()), len));
    detail::wipe(*prepared);
    if (!derived) {
        return fail("SCRAM derivation failed: PBKDF2 refused");
    }
    const int rc = gsasl_scram_secrets_from_salted_password(
        detail::to_gsasl(hash), out.salted_password.data(), out.client_key.data(),
        out.server_key.data(), out.stored_key.data());
    if (rc != GSASL_OK) {
        return fail(std::string("SCRAM derivation failed: ") + gsasl_strerror(rc));
    }
    return {};
}

}  // namespace

Result<std::string> saslprep(std::string_view password) {
    if (password.find('\0') != std::string_view::npos) {
        return fail("password contains NUL");
    }
    std::string in(password);
    char* out = nullptr;
    // The flag libgsasl passes when it prepares passwords itself (PLAIN and
    // PBKDF2), so a password prepared here hashes as libgsasl would hash it.
    // Note that 2.2.0 hands this flag to libidn inverted, so in effect it
    // refuses unassigned code points: the RFC 4013 §2.5 rule for strings we
    // store.
    const int rc = gsasl_saslprep(in.c_str(), GSASL_ALLOW_UNASSIGNED, &out, nullptr);
    detail::wipe(in);
    detail::GsaslChars owner(out);
    if (rc != GSASL_OK || out == nullptr) {
        return fail("password is not valid under SASLprep (RFC 4013)");
    }
    std::string result(out);
    detail::wipe(out, result.size());
    return result;
}

Result<ScramCredential> derive(Hash hash, std::string_view password, int iterations) {
    std::array<char, kSaltBytes> salt{};
    // A salt only has to be unique and unpredictable, not secret: a nonce.
    if (gsasl_nonce(salt.data(), salt.size()) != GSASL_OK) {
        return fail("no randomness for the salt");
    }
    return derive_with_salt(hash, password, iterations, std::string_view(salt.data(), salt.size()));
}

Result<ScramCredential> derive_with_salt(Hash hash, std::string_view password, int iterations,
                                         std::string_view raw_salt) {
    auto prepared = saslprep(password);
    if (!prepared) {
        return prepared.error();
    }
    if (prepared->empty()) {
        return fail("password is empty");
    }
    Secrets secrets;
    const Status computed = compute(hash, *prepared, iterations, raw_salt, secrets);
    detail::wipe(*prepared);
    if (!computed) {
        return computed.error();
    }
    const size_t len = detail::hash_length(hash);
    auto salt = detail::base64_encode(raw_salt);
    auto stored = detail::hex_encode(std::string_view(secrets.stored_key.data(), len));
    auto server = detail::hex_encode(std::string_view(secrets.server_key.data(), len));
    if (!salt || !stored || !server) {
        return fail("out of memory");
    }
    ScramCredential credential;
    credential.iterations = iterations;
    credential.salt = std::move(*salt);
    credential.stored_key = std::move(*stored);
    credential.server_key = std::move(*server);
    return credential;
}

bool verify(Hash hash, std::string_view password, const ScramCredential& credential) {
    if (credential.empty()) {
        return false;
    }
    std::string raw_salt;
    const auto expected = detail::hex_decode(credential.stored_key);
    const size_t len = detail::hash_length(hash);
    if (!detail::base64_decode(credential.salt, raw_salt) || !expected || expected->size() != len) {
        return false;
    }
    Secrets secrets;
    if (!compute(hash, password, credential.iterations, raw_salt, secrets)) {
        return false;
    }
    return detail::equal_constant_time(std::string_view(secrets.stored_key.data(), len), *expected);
}

}  // namespace jng::sasl
