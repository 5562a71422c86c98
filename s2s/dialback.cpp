// XEP-0185 dialback keys.
#include "dialback.hpp"

#include "secure_compare.hpp"
#include "tls/tls.hpp"

namespace jng::s2s::dialback {

std::string key(std::string_view secret, std::string_view receiving, std::string_view originating,
                std::string_view stream_id) {
    std::string text;
    text.reserve(receiving.size() + originating.size() + stream_id.size() + 2);
    text.append(receiving).append(" ").append(originating).append(" ").append(stream_id);
    return tls::hmac_sha256_hex(tls::sha256_hex(secret), text);
}

bool same_key(std::string_view a, std::string_view b) {
    return !a.empty() && constant_time_equal(a, b);
}

}  // namespace jng::s2s::dialback
