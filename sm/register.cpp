// register: XEP-0077 for a logged-in user - whether they are registered,
// a password change (new SCRAM credentials derived on the crypto workers;
// the user's sessions stay), and cancelling the account (every row of it
// removed in one transaction, then every session of the user ends with
// <not-authorized/>). Registering a new account is c2s's, before login.
#include "register.hpp"

#include <iterator>

#include "jid.hpp"
#include "module.hpp"
#include "ns.hpp"
#include "sasl/scram.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {

namespace registration {

Request read_set(const xml::Element& query, std::string_view username) {
    Request r;
    if (query.child("remove", ns::kRegister)) {
        // §3.2: <remove/> must be the only element.
        if (query.elements().size() != 1) {
            r.condition = "bad-request";
            r.text = "<remove/> must be the only element of the query";
            return r;
        }
        r.kind = Request::Kind::kCancel;
        return r;
    }
    const xml::Element* user = query.child("username", ns::kRegister);
    const xml::Element* password = query.child("password", ns::kRegister);
    // §3.3: both are required.
    if (!user || !password) {
        r.condition = "bad-request";
        r.text = "a password change needs <username/> and <password/>";
        return r;
    }
    auto node = jid::nodeprep(user->text());
    if (!node || *node != username) {
        r.condition = "bad-request";
        r.text = "the username is not the account's";
        return r;
    }
    r.password = password->text();
    // §3.3: an empty password, or one the service refuses: not-acceptable.
    if (r.password.empty()) {
        r.condition = "not-acceptable";
        r.text = "the password is empty";
        return r;
    }
    if (r.password.size() > kMaxPasswordBytes) {
        r.password.clear();
        r.condition = "not-acceptable";
        r.text = "the password is too long";
        return r;
    }
    r.kind = Request::Kind::kChangePassword;
    return r;
}

xml::Element registered(std::string_view username) {
    xml::Element query("query", ns::kRegister);
    query.add("registered");
    query.add_text_child("username", username);
    query.add("password");
    return query;
}

}  // namespace registration

namespace {

using registration::Request;

// The request without its payload: answers to a set never carry the
// password back.
xml::Element without_query(const xml::Element& iq) {
    xml::Element copy = iq;
    copy.clear_children();
    copy.add("query", ns::kRegister);
    return copy;
}

class RegisterModule final : public Module {
public:
    std::string_view name() const override { return "register"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        const std::string key = std::string(ns::kRegister) + ":query";
        // §3.3's example asks the server (to='domain'); many clients send
        // no 'to', which is the user's bare JID (RFC 6120 §10.3.3).
        for (const std::string_view target : {"host", "bare"}) {
            const std::string suffix = std::string(target) + "/" + key;
            sm.in().on("iq-get/" + suffix, 0, name(), [this](Packet& p) { return get(p); });
            sm.in().on("iq-set/" + suffix, 0, name(), [this](Packet& p) { return set(p); });
        }
        sm.account_deleted.add(0, std::string(name()),
                               [this](const std::string& bare) { busy_.erase(bare); });
        sm.add_feature(ns::kRegister);
    }

private:
    // The local account asking about itself, from one of its sessions;
    // nullptr for anyone else, who learns nothing (service-unavailable, as
    // for the roster).
    User* requester(const Packet& p) {
        User* user = nullptr;
        if (p.to->has_node()) {
            if (p.user && p.from.bare() == p.user->jid) user = p.user;
        } else if (p.from.has_node() && p.from.domain() == p.to->domain()) {
            user = sm_->find_user(p.from.bare_str());
        }
        if (!user || !user->exists || !user->session_for(p.from.resource())) return nullptr;
        return user;
    }

    Verdict get(Packet& p) {
        const User* user = requester(p);
        if (!user) return error(p.stanza, "service-unavailable");
        xml::Element result = stanza::iq_result(p.stanza);
        result.add_child(registration::registered(user->jid.node()));
        sm_->route(std::move(result));
        return Verdict::kHandled;
    }

    Verdict set(Packet& p) {
        const xml::Element iq = without_query(p.stanza);
        User* user = requester(p);
        if (!user) return error(iq, "service-unavailable");
        Request r =
            registration::read_set(*p.stanza.child("query", ns::kRegister), user->jid.node());
        if (r.kind == Request::Kind::kRefused) return error(iq, r.condition, r.text);
        // One change at a time: a password derived after a cancel, or two
        // changes finishing out of order, would leave the wrong state.
        if (!busy_.insert(user->jid.str()).second) {
            return error(iq, "unexpected-request", "a change to this account is in progress");
        }
        if (r.kind == Request::Kind::kCancel) {
            cancel(iq, user->jid);
        } else {
            change_password(iq, user->jid, std::move(r.password));
        }
        return Verdict::kHandled;
    }

    // §3.3: new SCRAM-SHA-1 and SCRAM-SHA-256 credentials, as c2s makes them
    // for a new account. PBKDF2 is the slow part: it runs on a crypto worker.
    void change_password(const xml::Element& iq, const Jid& bare, std::string password) {
        const int iterations = sm_->config().register_iterations;
        sm_->crypto().submit(
            {},
            [node = bare.node(), domain = bare.domain(), iterations,
             password = std::move(password)](size_t) mutable -> Result<storage::AuthRecord> {
                auto sha1 = sasl::derive(sasl::Hash::kSha1, password, iterations);
                auto sha256 = sasl::derive(sasl::Hash::kSha256, password, iterations);
                std::fill(password.begin(), password.end(), '\0');
                if (!sha1) return sha1.error();
                if (!sha256) return sha256.error();
                return storage::AuthRecord{node, domain, *sha1, *sha256};
            },
            [this, iq, owner = bare.str()](Result<storage::AuthRecord> record) {
                if (!record) {
                    busy_.erase(owner);
                    // SASLprep refused the password (prohibited characters).
                    sm_->route(stanza::error_reply(iq, "not-acceptable", record.message()));
                    return;
                }
                sm_->storage().run(
                    owner,
                    [record = std::move(*record)](storage::Driver& db) {
                        return db.authreg().set_credentials(record);
                    },
                    [this, iq, owner](Result<bool> changed) {
                        busy_.erase(owner);
                        if (!changed) {
                            sm_->log().error("changing the password of {}: {}", owner,
                                             changed.message());
                            sm_->route(stanza::error_reply(iq, "internal-server-error"));
                        } else if (!*changed) {
                            // Deleted meanwhile (by an administrator).
                            sm_->route(
                                stanza::error_reply(iq, "item-not-found", "no such account"));
                        } else {
                            sm_->log().info("{} changed their password", owner);
                            sm_->route(stanza::iq_result(iq));
                        }
                    });
            });
    }

    // §3.2: the account and every row of it go in one transaction; then the
    // result, then every session of the user ends with <not-authorized/>
    // (as Prosody closes them), and the contacts learn that the
    // subscriptions are cancelled. The result goes straight to the session
    // and its end follows on the same router link, so the client reads the
    // result before the stream error.
    void cancel(const xml::Element& iq, const Jid& bare) {
        const std::string owner = bare.str();
        auto remove = [node = bare.node(), domain = bare.domain()](storage::Driver& db) {
            return db.remove_user(node, domain);
        };
        sm_->storage().run(owner, remove, [this, iq, bare, owner, remove](Status st) {
            busy_.erase(owner);
            if (!st) {
                sm_->log().error("removing the account {}: {}", owner, st.message());
                sm_->route(stanza::error_reply(iq, "internal-server-error"));
                return;
            }
            sm_->log().notice("{} cancelled their account", owner);
            std::vector<storage::RosterItem> roster;
            if (User* user = sm_->find_user(owner)) {
                for (const auto& [contact, item] : user->roster) roster.push_back(item);
                auto from = Jid::parse(iq.attr("from"));
                const Session* s = from ? user->session_for(from->resource()) : nullptr;
                if (s) sm_->send_to(*s, stanza::iq_result(iq));
            }
            // Contacts subscribed to the user see their resources go
            // unavailable as the sessions end.
            sm_->forget_account(bare, "not-authorized");
            cancel_subscriptions(owner, roster);
            // Writes for the account that were queued behind the removal
            // (a vCard or private XML set from another resource, an
            // offline message) ran after it; nothing new can come now that
            // the account is forgotten. One more pass takes what they left.
            sm_->storage().run(owner, remove, [this, owner](Status swept) {
                if (!swept) sm_->log().error("removing the rows of {}: {}", owner, swept.message());
            });
        });
    }

    // §3.2: "the server SHOULD also cancel all existing presence
    // subscriptions", as a roster remove does (RFC 6121 §2.5.2): the
    // contacts' servers update their rosters.
    void cancel_subscriptions(const std::string& owner,
                              const std::vector<storage::RosterItem>& roster) {
        auto presence = [&](const std::string& contact, std::string_view type) {
            xml::Element p("presence", ns::kClient);
            p.set_attr("from", owner);
            p.set_attr("to", contact);
            p.set_attr("type", type);
            sm_->route(std::move(p));
        };
        for (const storage::RosterItem& item : roster) {
            if (item.to || item.ask == storage::RosterItem::Ask::kSubscribe) {
                presence(item.jid, "unsubscribe");
            }
            if (item.from || !item.pending_in.empty()) presence(item.jid, "unsubscribed");
        }
    }

    Verdict error(const xml::Element& iq, std::string_view condition, std::string_view text = {}) {
        sm_->route(stanza::error_reply(iq, condition, text));
        return Verdict::kHandled;
    }

    SessionManager* sm_ = nullptr;
    StringSet busy_;  // bare JIDs with a password change or cancellation running
};

}  // namespace

std::unique_ptr<Module> make_register_module() {
    return std::make_unique<RegisterModule>();
}

}  // namespace jng::sm
