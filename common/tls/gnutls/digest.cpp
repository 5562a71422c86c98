// SHA-1, SHA-256 and HMAC-SHA-256 as lowercase hex, through GnuTLS's one-shot
// functions, for protocol use: the XEP-0114 handshake and XEP-0185 dialback
// keys; and PBKDF2 for SCRAM's salted passwords.
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <array>
#include <string>
#include <string_view>

#include "tls/tls.hpp"

namespace jng::tls {
namespace {

// Room for the largest digest used here (SHA-256).
constexpr size_t kMaxDigest = 32;

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

// Empty input still gets a valid pointer, which no hash implementation has
// to think twice about.
const void* bytes_of(std::string_view text) {
    static constexpr char kNothing = 0;
    return text.empty() ? &kNothing : text.data();
}

// Empty when GnuTLS refuses the digest (SHA-1 in FIPS mode, say), which no
// valid hex digest can be mistaken for.
std::string digest_hex(gnutls_digest_algorithm_t algorithm, std::string_view data) {
    std::array<unsigned char, kMaxDigest> digest;
    const size_t size = gnutls_hash_get_len(algorithm);
    if (size == 0 || size > digest.size() ||
        gnutls_hash_fast(algorithm, bytes_of(data), data.size(), digest.data()) < 0) {
        return {};
    }
    return to_hex(digest.data(), size);
}

}  // namespace

std::string sha1_hex(std::string_view data) {
    return digest_hex(GNUTLS_DIG_SHA1, data);
}

std::string sha256_hex(std::string_view data) {
    return digest_hex(GNUTLS_DIG_SHA256, data);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    std::array<unsigned char, kMaxDigest> mac;
    const size_t size = gnutls_hmac_get_len(GNUTLS_MAC_SHA256);
    if (size == 0 || size > mac.size() ||
        gnutls_hmac_fast(GNUTLS_MAC_SHA256, bytes_of(key), key.size(), bytes_of(data), data.size(),
                         mac.data()) < 0) {
        return {};
    }
    return to_hex(mac.data(), size);
}

bool pbkdf2(Prf prf, std::string_view password, std::string_view salt, unsigned iterations,
            std::span<unsigned char> out) {
    // The datums only read: GnuTLS takes them by const pointer.
    const gnutls_datum_t key{reinterpret_cast<unsigned char*>(const_cast<char*>(password.data())),
                             static_cast<unsigned>(password.size())};
    const gnutls_datum_t salt_datum{
        reinterpret_cast<unsigned char*>(const_cast<char*>(salt.data())),
        static_cast<unsigned>(salt.size())};
    const gnutls_mac_algorithm_t mac = prf == Prf::kHmacSha1 ? GNUTLS_MAC_SHA1 : GNUTLS_MAC_SHA256;
    return iterations > 0 &&
           gnutls_pbkdf2(mac, &key, &salt_datum, iterations, out.data(), out.size()) == 0;
}

}  // namespace jng::tls
