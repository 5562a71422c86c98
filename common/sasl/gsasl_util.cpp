// Owners and converters around libgsasl's C API: the hash mapping, wiping,
// base64/hex through libgsasl, and a constant-time compare.
#include "sasl/gsasl_util.hpp"

#include <cstring>

#include "secure_compare.hpp"

namespace jng::sasl::detail {

Gsasl_hash to_gsasl(Hash hash) {
    return hash == Hash::kSha256 ? GSASL_HASH_SHA256 : GSASL_HASH_SHA1;
}

size_t hash_length(Hash hash) {
    return gsasl_hash_length(to_gsasl(hash));
}

void wipe(void* data, size_t size) {
    if (data != nullptr && size > 0) {
        // explicit_bzero, unlike memset, survives dead-store elimination.
        explicit_bzero(data, size);
    }
}

void wipe(std::string& s) {
    wipe(s.data(), s.size());
    s.clear();
}

namespace {

// Takes ownership of a libgsasl output buffer and copies it out.
std::string take(char* out, size_t len, bool secret) {
    GsaslChars owner(out);
    std::string result(out != nullptr ? out : "", out != nullptr ? len : 0);
    if (secret) {
        wipe(out, len);
    }
    return result;
}

}  // namespace

std::optional<std::string> base64_encode(std::string_view raw) {
    char* out = nullptr;
    size_t len = 0;
    if (gsasl_base64_to(raw.data(), raw.size(), &out, &len) != GSASL_OK) {
        return std::nullopt;
    }
    return take(out, len, false);
}

bool base64_decode(std::string_view text, std::string& out) {
    wipe(out);
    char* raw = nullptr;
    size_t len = 0;
    if (gsasl_base64_from(text.data(), text.size(), &raw, &len) != GSASL_OK) {
        gsasl_free(raw);
        return false;
    }
    const GsaslChars owner(raw);
    out.assign(raw != nullptr ? raw : "", raw != nullptr ? len : 0);
    wipe(raw, len);
    return true;
}

std::optional<std::string> hex_encode(std::string_view raw) {
    char* out = nullptr;
    size_t len = 0;
    if (gsasl_hex_to(raw.data(), raw.size(), &out, &len) != GSASL_OK) {
        return std::nullopt;
    }
    return take(out, len, false);
}

std::optional<std::string> hex_decode(std::string_view hex) {
    std::string lower(hex);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'F') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    if (lower.find('\0') != std::string::npos) {
        return std::nullopt;
    }
    char* out = nullptr;
    size_t len = 0;
    if (gsasl_hex_from(lower.c_str(), &out, &len) != GSASL_OK) {
        gsasl_free(out);
        return std::nullopt;
    }
    return take(out, len, true);
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    return constant_time_equal(a, b);
}

}  // namespace jng::sasl::detail
