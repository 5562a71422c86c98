// XEP-0185 dialback keys and the XEP-0220 elements around them.
#include "dialback.hpp"

#include "ns.hpp"
#include "secure_compare.hpp"
#include "stanza.hpp"
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

xml::Element answer(std::string_view name, std::string_view from, std::string_view to,
                    std::string_view type) {
    xml::Element e(name, kNs);
    e.set_attr("from", from);
    e.set_attr("to", to);
    e.set_attr("type", type);
    return e;
}

xml::Element error(std::string_view name, std::string_view from, std::string_view to,
                   std::string_view condition) {
    xml::Element e = answer(name, from, to, "error");
    // XEP-0220 §2.4: <error/> "implicitly qualified by the 'jabber:server'
    // namespace", holding a stanza error condition.
    const auto type = stanza::default_type(condition).value_or(stanza::ErrorType::kCancel);
    e.add("error", ns::kServer)
        .set_attr("type", stanza::type_name(type))
        .add(condition, ns::kStanzas);
    return e;
}

Verdict verdict_of(const xml::Element& verify_answer) {
    const std::string_view type = verify_answer.attr("type");
    if (type == "valid") return Verdict::valid();
    if (type == "error") return Verdict::error("remote-server-not-found");
    return Verdict::invalid();
}

}  // namespace jng::s2s::dialback
