// Server Dialback (XEP-0220) keys, generated as XEP-0185 recommends so that
// any s2s process holding the secret can verify a key without remembering
// it: HMAC-SHA256 keyed with hex(SHA-256(secret)) over
// "receiving originating stream-id"; and the dialback elements themselves.
#pragma once

#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jng::s2s::dialback {

constexpr std::string_view kNs = "jabber:server:dialback";
constexpr std::string_view kFeatureNs = "urn:xmpp:features:dialback";

std::string key(std::string_view secret, std::string_view receiving,
                std::string_view originating, std::string_view stream_id);

// Constant-time comparison of two keys.
bool same_key(std::string_view a, std::string_view b);

// <db:result/> or <db:verify/> (`name`) answering a request: from and to as
// given, type valid, invalid or error.
xml::Element answer(std::string_view name, std::string_view from, std::string_view to,
                    std::string_view type);
// A dialback error (XEP-0220 §2.4): type='error' with a stanza error
// condition, which concerns this domain pair only - the stream stays.
xml::Element error(std::string_view name, std::string_view from, std::string_view to,
                   std::string_view condition);

// What became of a key the receiving server asked the authoritative server
// about (XEP-0220 §2.1.2): its verdict, or the condition that says why
// there is none.
struct Verdict {
    enum class Kind { kValid, kInvalid, kError };
    Kind kind = Kind::kInvalid;
    std::string condition;  // kError: the dialback error to send on (§2.4)

    static Verdict valid() { return {Kind::kValid, {}}; }
    static Verdict invalid() { return {Kind::kInvalid, {}}; }
    static Verdict error(std::string condition) { return {Kind::kError, std::move(condition)}; }
};

// The verdict in an authoritative server's <db:verify/> answer. An error
// there (its 'to' is not hosted, say) becomes remote-server-not-found for
// the initiating server (XEP-0220 §2.4's table).
Verdict verdict_of(const xml::Element& verify_answer);

}  // namespace jng::s2s::dialback
