// private: XEP-0049 private XML storage - a user keeps one element per
// namespace of their choice (bookmarks, client preferences) and gets it
// back; no one else may read or write it.
#include "private.hpp"

#include "module.hpp"
#include "ns.hpp"
#include "rows.hpp"
#include "sm.hpp"
#include "stanza.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace jng::sm {

namespace private_xml {

bool reserved(std::string_view ns) {
    return ns.empty() || ns.starts_with("jabber:") || ns.starts_with("http://jabber.org/") ||
           ns == ns::kVcard || ns.starts_with("urn:ietf:params:xml:ns:xmpp-") || ns == ns::kStream;
}

Problem check(const xml::Element& query) {
    const xml::Element* payload = nullptr;
    size_t count = 0;
    for (const xml::Element& e : query.elements()) {
        payload = &e;
        ++count;
    }
    // §2.3: without an element there is no namespace to work on; one
    // element per request keeps one element per namespace.
    if (count == 0) return {"bad-request", "the query names no namespace"};
    if (count > 1) return {"bad-request", "one element per request"};
    if (reserved(payload->ns())) {
        return {"not-acceptable", "the namespace '" + payload->ns() + "' is reserved"};
    }
    return {};
}

}  // namespace private_xml

namespace {

// The request with its element left out: the answer to a set need not
// carry the element back (RFC 6120 §8.3.1 makes the payload optional).
xml::Element without_payload(const xml::Element& iq) {
    xml::Element copy = iq;
    copy.clear_children();
    copy.add("query", ns::kPrivate);
    return copy;
}

class PrivateModule final : public Module {
public:
    std::string_view name() const override { return "private"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        const std::string key = std::string(ns::kPrivate) + ":query";
        sm.in().on("iq-get/bare/" + key, 0, name(), [this](Packet& p) { return get(p); });
        sm.in().on("iq-set/bare/" + key, 0, name(), [this](Packet& p) { return set(p); });
        sm.add_feature(ns::kPrivate);
    }

private:
    // The element of a request we serve, after the checks every request
    // passes; nullptr when an error was sent.
    const xml::Element* payload(Packet& p) {
        // RFC 6121 §8.5.1: no account, nothing there.
        if (!p.user) {
            error(p.stanza, "service-unavailable");
            return nullptr;
        }
        // XEP-0049 §2.3: private data is the user's alone.
        if (p.from.bare() != p.user->jid) {
            error(p.stanza, "forbidden", "private XML is its owner's only");
            return nullptr;
        }
        const xml::Element& query = *p.stanza.child("query", ns::kPrivate);
        const private_xml::Problem problem = private_xml::check(query);
        if (!problem.condition.empty()) {
            error(p.stanza, problem.condition, problem.text);
            return nullptr;
        }
        return query.first_element();
    }

    // §2.3: the stored element, or the requested one, empty, when nothing
    // is stored under its namespace.
    Verdict get(Packet& p) {
        const xml::Element* wanted = payload(p);
        if (!wanted) return Verdict::kHandled;
        const std::string owner = p.user->jid.str();
        const std::string ns = wanted->ns();
        sm_->storage().run(
            owner, [owner, ns](storage::Driver& db) { return db.private_xml().get(owner, ns); },
            [this, iq = p.stanza, owner, ns](Result<std::optional<std::string>> stored) {
                if (!stored) {
                    sm_->log().error("reading private XML of {} in '{}': {}", owner, ns,
                                     stored.message());
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                xml::Element result = stanza::iq_result(iq);
                xml::Element& query = result.add("query", ns::kPrivate);
                if (!*stored) {
                    query.add_child(*iq.child("query", ns::kPrivate)->first_element());
                } else if (auto element = read_stored(**stored, ns)) {
                    query.add_child(std::move(*element));
                } else {
                    sm_->log().error("the private XML of {} in '{}' is damaged", owner, ns);
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                sm_->route(std::move(result));
            });
        return Verdict::kHandled;
    }

    Verdict set(Packet& p) {
        const xml::Element* element = payload(p);
        if (!element) return Verdict::kHandled;
        std::string text = xml::to_string(*element);
        const size_t limit = sm_->config().private_max_bytes;
        if (text.size() > limit) {
            return error(without_payload(p.stanza), "not-acceptable",
                         fmt::format("the element is {} bytes; this server keeps at most {}",
                                     text.size(), limit));
        }
        const std::string owner = p.user->jid.str();
        const std::string ns = element->ns();
        // The answer comes once it is stored: an acknowledged set survives a crash.
        sm_->storage().run(
            owner,
            [owner, ns, text = std::move(text)](storage::Driver& db) {
                return db.private_xml().put(owner, ns, text);
            },
            [this, iq = without_payload(p.stanza), owner, ns](Status st) {
                if (!st) {
                    sm_->log().error("storing private XML of {} in '{}': {}", owner, ns,
                                     st.message());
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                sm_->route(stanza::iq_result(iq));
            });
        return Verdict::kHandled;
    }

    // A stored row read back: one element, in the namespace it is kept under.
    static std::optional<xml::Element> read_stored(std::string_view text, std::string_view ns) {
        xml::ReaderLimits limits;
        limits.max_stanza_bytes = storage::kMaxDocumentBytes;
        auto element = xml::parse_element(text, nullptr, limits);
        if (!element || element->ns() != ns) return std::nullopt;
        return element;
    }

    Verdict error(const xml::Element& iq, std::string_view condition, std::string_view text = {}) {
        sm_->route(stanza::error_reply(iq, condition, text));
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_private_module() {
    return std::make_unique<PrivateModule>();
}

}  // namespace jng::sm
