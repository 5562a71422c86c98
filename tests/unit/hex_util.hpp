// Hex for test vectors, which the RFCs and OpenSSL's tools print that way.
#pragma once

#include <string>
#include <string_view>

namespace jng::test {

inline std::string to_hex(std::string_view bytes, bool upper = false) {
    const std::string_view digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (const unsigned char c : bytes) {
        hex += digits[c >> 4];
        hex += digits[c & 0x0f];
    }
    return hex;
}

// Either case; a trailing odd digit is ignored, as vectors never have one.
inline std::string from_hex(std::string_view hex) {
    std::string bytes;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    }
    return bytes;
}

}  // namespace jng::test
