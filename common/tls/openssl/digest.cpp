// SHA-1, SHA-256 and HMAC-SHA-256 as lowercase hex, through EVP, for protocol
// use: the XEP-0114 handshake and XEP-0185 dialback keys; and PBKDF2 for
// SCRAM's salted passwords.
#include <openssl/evp.h>

#include <array>
#include <climits>
#include <string>
#include <string_view>

#include "tls/openssl/errors.hpp"
#include "tls/tls.hpp"

namespace jng::tls {
namespace {

std::string to_hex(const unsigned char* bytes, size_t size) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    std::string hex;
    hex.reserve(size * 2);
    for (size_t i = 0; i < size; ++i) {
        hex += kDigits[bytes[i] >> 4];
        hex += kDigits[bytes[i] & 0x0f];
    }
    return hex;
}

// Empty input still needs a valid pointer: OpenSSL treats a null key as
// "reuse the previous key", not as the empty key.
const unsigned char* bytes_of(std::string_view text) {
    static constexpr unsigned char kNothing = 0;
    return text.empty() ? &kNothing : reinterpret_cast<const unsigned char*>(text.data());
}

// Empty when the provider refuses the digest (a FIPS-only configuration
// without SHA-1, say), which no valid hex digest can be mistaken for.
std::string digest_hex(const EVP_MD* md, std::string_view data) {
    openssl::ErrorQueueScope errors;
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
    unsigned int size = 0;
    if (md == nullptr ||
        EVP_Digest(bytes_of(data), data.size(), digest.data(), &size, md, nullptr) != 1) {
        return {};
    }
    return to_hex(digest.data(), size);
}

}  // namespace

std::string sha1_hex(std::string_view data) { return digest_hex(EVP_sha1(), data); }

std::string sha256_hex(std::string_view data) { return digest_hex(EVP_sha256(), data); }

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    openssl::ErrorQueueScope errors;
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac;
    size_t size = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, bytes_of(key), key.size(),
                  bytes_of(data), data.size(), mac.data(), mac.size(), &size) == nullptr) {
        return {};
    }
    return to_hex(mac.data(), size);
}

bool pbkdf2(Prf prf, std::string_view password, std::string_view salt, unsigned iterations,
            std::span<unsigned char> out) {
    openssl::ErrorQueueScope errors;
    const EVP_MD* md = prf == Prf::kHmacSha1 ? EVP_sha1() : EVP_sha256();
    return md != nullptr && iterations > 0 && iterations <= INT_MAX && out.size() <= INT_MAX &&
           PKCS5_PBKDF2_HMAC(password.empty() ? "" : password.data(),
                             static_cast<int>(password.size()), bytes_of(salt),
                             static_cast<int>(salt.size()), static_cast<int>(iterations), md,
                             static_cast<int>(out.size()), out.data()) == 1;
}

}  // namespace jng::tls
