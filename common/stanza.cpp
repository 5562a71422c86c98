// Stanza kinds, the error condition table and error construction.
#include "stanza.hpp"

#include <array>
#include <utility>

#include "ns.hpp"

namespace jng::stanza {
namespace {

constexpr std::array<std::pair<std::string_view, ErrorType>, 22> kConditions = {{
    {"bad-request", ErrorType::kModify},
    {"conflict", ErrorType::kCancel},
    {"feature-not-implemented", ErrorType::kCancel},
    {"forbidden", ErrorType::kAuth},
    {"gone", ErrorType::kCancel},
    {"internal-server-error", ErrorType::kCancel},
    {"item-not-found", ErrorType::kCancel},
    {"jid-malformed", ErrorType::kModify},
    {"not-acceptable", ErrorType::kModify},
    {"not-allowed", ErrorType::kCancel},
    {"not-authorized", ErrorType::kAuth},
    {"policy-violation", ErrorType::kModify},
    {"recipient-unavailable", ErrorType::kWait},
    {"redirect", ErrorType::kModify},
    {"registration-required", ErrorType::kAuth},
    {"remote-server-not-found", ErrorType::kCancel},
    {"remote-server-timeout", ErrorType::kWait},
    {"resource-constraint", ErrorType::kWait},
    {"service-unavailable", ErrorType::kCancel},
    {"subscription-required", ErrorType::kAuth},
    {"undefined-condition", ErrorType::kCancel},
    {"unexpected-request", ErrorType::kWait},
}};

}  // namespace

Kind kind_of(const xml::Element& e) {
    if (e.ns() != ns::kClient) return Kind::kOther;
    if (e.name() == "message") return Kind::kMessage;
    if (e.name() == "presence") return Kind::kPresence;
    if (e.name() == "iq") return Kind::kIq;
    return Kind::kOther;
}

bool is_stanza(const xml::Element& e) { return kind_of(e) != Kind::kOther; }

std::string_view type_name(ErrorType t) {
    switch (t) {
        case ErrorType::kAuth: return "auth";
        case ErrorType::kCancel: return "cancel";
        case ErrorType::kContinue: return "continue";
        case ErrorType::kModify: return "modify";
        case ErrorType::kWait: return "wait";
    }
    return "cancel";
}

std::optional<ErrorType> default_type(std::string_view condition) {
    for (const auto& [name, type] : kConditions) {
        if (name == condition) return type;
    }
    return std::nullopt;
}

bool can_bounce(const xml::Element& stanza) {
    const std::string_view type = stanza.attr("type");
    if (type == "error") return false;
    if (kind_of(stanza) == Kind::kIq && type == "result") return false;
    return true;
}

xml::Element error_reply(const xml::Element& stanza, std::string_view condition,
                         std::string_view text, std::optional<ErrorType> type) {
    xml::Element reply(stanza.name(), stanza.ns());
    const std::string_view from = stanza.attr("from");
    const std::string_view to = stanza.attr("to");
    if (!to.empty()) reply.set_attr("from", to);
    if (!from.empty()) reply.set_attr("to", from);
    if (const auto* id = stanza.find_attr("id")) reply.set_attr("id", *id);
    reply.set_attr("type", "error");
    for (const auto& a : stanza.attrs()) {
        if (a.name == "xml:lang") reply.set_attr(a);
    }
    // RFC 6120 §8.3.1: the payload may be included; for an iq it identifies
    // the request, for a message it lets the sender see what failed.
    for (const auto& n : stanza.children()) {
        if (n.is_element() && n.element().name() == "error") continue;
        reply.children().push_back(n);
    }
    xml::Element& err = reply.add("error", ns::kClient);
    const ErrorType t = type.value_or(default_type(condition).value_or(ErrorType::kCancel));
    err.set_attr("type", type_name(t));
    err.add(condition, ns::kStanzas);
    if (!text.empty()) err.add("text", ns::kStanzas).add_text(text);
    return reply;
}

std::string error_condition(const xml::Element& stanza) {
    const xml::Element* err = stanza.child("error");
    if (!err) return {};
    for (const xml::Element& c : err->elements()) {
        if (c.ns() == ns::kStanzas && c.name() != "text") return c.name();
    }
    return {};
}

xml::Element iq_result(const xml::Element& iq) {
    xml::Element r("iq", ns::kClient);
    if (const auto* from = iq.find_attr("from")) r.set_attr("to", *from);
    if (const auto* to = iq.find_attr("to")) r.set_attr("from", *to);
    r.set_attr("id", iq.attr("id"));
    r.set_attr("type", "result");
    return r;
}

std::string_view iq_problem(const xml::Element& iq) {
    const std::string_view type = iq.attr("type");
    const bool request = type == "get" || type == "set";
    if (!request && type != "result" && type != "error") {
        return "an iq needs a type of get, set, result or error";
    }
    if (iq.attr("id").empty()) return "an iq needs an id";
    if (request && iq.elements().size() != 1) {
        return "an iq get or set carries exactly one payload";
    }
    return {};
}

xml::Element stream_error(std::string_view condition, std::string_view text) {
    xml::Element e("error", ns::kStream);
    e.add(condition, ns::kStreams);
    if (!text.empty()) e.add("text", ns::kStreams).add_text(text);
    return e;
}

}  // namespace jng::stanza
