// vcard: XEP-0054 vcard-temp - a user sets their own vCard, anyone may get
// the vCard of a local user. The element is stored as the client set it
// (storage/README.md, "The vCard is stored as XML") and checked again when
// it is read back.
#include "vcard.hpp"

#include "module.hpp"
#include "ns.hpp"
#include "rows.hpp"
#include "sm.hpp"
#include "stanza.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace jng::sm {

namespace vcard {

Result<std::string> to_stored(const xml::Element& card, size_t max_bytes) {
    std::string text = xml::to_string(card);
    if (text.size() > max_bytes) {
        return fail(fmt::format("the vCard is {} bytes; this server keeps at most {}", text.size(),
                                max_bytes));
    }
    return text;
}

Result<xml::Element> from_stored(std::string_view text) {
    // The drivers keep documents up to kMaxDocumentBytes; the configured
    // limit may have been larger when this one was set.
    xml::ReaderLimits limits;
    limits.max_stanza_bytes = storage::kMaxDocumentBytes;
    std::string error;
    auto card = xml::parse_element(text, &error, limits);
    if (!card) return fail("not a well-formed element: " + error);
    if (!card->is("vCard", ns::kVcard)) {
        return fail("<" + card->name() + "/> in '" + card->ns() + "' is not a vCard");
    }
    return std::move(*card);
}

bool is_empty(const xml::Element& card) {
    for (const xml::Node& n : card.children()) {
        if (n.is_element()) return false;
        if (n.text().find_first_not_of(" \t\r\n") != std::string::npos) return false;
    }
    return true;
}

}  // namespace vcard

namespace {

// The request with its vCard left out: an error for a large vCard need not
// carry it back (RFC 6120 §8.3.1 makes the payload optional).
xml::Element without_vcard(const xml::Element& iq) {
    xml::Element copy = iq;
    copy.clear_children();
    copy.add("vCard", ns::kVcard);
    return copy;
}

class VcardModule final : public Module {
public:
    std::string_view name() const override { return "vcard"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        const std::string key = std::string(ns::kVcard) + ":vCard";
        sm.in().on("iq-get/bare/" + key, 0, name(), [this](Packet& p) { return get(p); });
        sm.in().on("iq-set/bare/" + key, 0, name(), [this](Packet& p) { return set(p); });
        sm.add_feature(ns::kVcard);
    }

private:
    // XEP-0054 §3.1, §3.3: a vCard is a public card - any entity may get
    // one. An account that does not exist has none (RFC 6121 §8.5.1).
    Verdict get(Packet& p) {
        if (!p.user) return error(p.stanza, "service-unavailable");
        const std::string owner = p.user->jid.str();
        sm_->storage().run(
            owner, [owner](storage::Driver& db) { return db.vcard().get(owner); },
            [this, iq = p.stanza, owner](Result<std::optional<std::string>> stored) {
                if (!stored) {
                    sm_->log().error("reading the vCard of {}: {}", owner, stored.message());
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                xml::Element result = stanza::iq_result(iq);
                if (!*stored) {
                    // §3.1 allows an error or an empty vCard; the empty
                    // card (as Prosody sends) lets a client show "nothing
                    // set" instead of a failure.
                    result.add("vCard", ns::kVcard);
                } else if (auto card = vcard::from_stored(**stored)) {
                    result.add_child(std::move(*card));
                } else {
                    sm_->log().error("the stored vCard of {} is damaged: {}", owner,
                                     card.message());
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                sm_->route(std::move(result));
            });
        return Verdict::kHandled;
    }

    // §3.2: only the user sets their vCard (to their bare JID or without a
    // 'to'). The answer comes once it is stored.
    Verdict set(Packet& p) {
        if (!p.user) return error(without_vcard(p.stanza), "service-unavailable");
        if (p.from.bare() != p.user->jid) {
            return error(without_vcard(p.stanza), "forbidden", "only its owner sets a vCard");
        }
        const xml::Element& card = *p.stanza.child("vCard", ns::kVcard);
        const std::string owner = p.user->jid.str();
        if (vcard::is_empty(card)) {
            // An empty card is what a get answers when there is none: keep nothing.
            store(p.stanza, owner, [owner](storage::Driver& db) -> Status {
                auto removed = db.vcard().remove(owner);
                if (!removed) return removed.error();
                return {};
            });
            return Verdict::kHandled;
        }
        auto text = vcard::to_stored(card, sm_->config().vcard_max_bytes);
        if (!text) return error(without_vcard(p.stanza), "not-acceptable", text.message());
        store(p.stanza, owner, [owner, text = std::move(*text)](storage::Driver& db) {
            return db.vcard().put(owner, text);
        });
        return Verdict::kHandled;
    }

    template <class Op>
    void store(const xml::Element& iq, const std::string& owner, Op op) {
        sm_->storage().run(
            owner, std::move(op), [this, iq = without_vcard(iq), owner](Status st) {
                if (!st) {
                    sm_->log().error("storing the vCard of {}: {}", owner, st.message());
                    sm_->route(stanza::error_reply(iq, "internal-server-error"));
                    return;
                }
                sm_->route(stanza::iq_result(iq));
            });
    }

    Verdict error(const xml::Element& iq, std::string_view condition, std::string_view text = {}) {
        sm_->route(stanza::error_reply(iq, condition, text));
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_vcard_module() {
    return std::make_unique<VcardModule>();
}

}  // namespace jng::sm
