// Server Dialback (XEP-0220) keys, generated as XEP-0185 recommends so that
// any s2s process holding the secret can verify a key without remembering
// it: HMAC-SHA256 keyed with hex(SHA-256(secret)) over
// "receiving originating stream-id".
#pragma once

#include <string>
#include <string_view>

namespace jng::s2s::dialback {

constexpr std::string_view kNs = "jabber:server:dialback";
constexpr std::string_view kFeatureNs = "urn:xmpp:features:dialback";

std::string key(std::string_view secret, std::string_view receiving,
                std::string_view originating, std::string_view stream_id);

// Constant-time comparison of two keys.
bool same_key(std::string_view a, std::string_view b);

}  // namespace jng::s2s::dialback
