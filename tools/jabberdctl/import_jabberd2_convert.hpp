// Turning jabberd2's rows into ours: one function per collection, each
// taking the rows of one user and returning what they become plus, for each
// row left out, why. Nothing here touches a database, so every rule is
// tested alone (tests/unit/import_jabberd2_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "import_jabberd2_source.hpp"
#include "jid.hpp"
#include "result.hpp"
#include "rows.hpp"
#include "types.hpp"

namespace jng::ctl::jabberd2 {

// Namespaces of jabberd2's router and session protocols: the envelope
// jabberd2 stored around queued stanzas and private XML.
inline constexpr std::string_view kComponentNs = "http://jabberd.jabberstudio.org/ns/component/1.0";
inline constexpr std::string_view kSessionNs = "http://jabberd.jabberstudio.org/ns/session/1.0";
inline constexpr std::string_view kLegacyDelayNs = "jabber:x:delay";  // XEP-0091

// A row (or one value of it) left out, and why.
struct Skipped {
    std::string what;    // "roster item 'x@y'", "queue row 17", "vCard field NOTE"
    std::string reason;
};

// ---- values -------------------------------------------------------------------

// jabberd2's drivers prefix a stored NAD (queue, private) with "NAD".
std::string_view strip_nad_marker(std::string_view text);

// A boolean column: SQLite 1/0, PostgreSQL t/f (also true/false).
Result<bool> parse_flag(std::string_view text);
Result<int64_t> parse_integer(std::string_view text);

// Text that can be XML 1.0 character data: valid UTF-8 without the control
// characters XML forbids. jabberd2 stored what clients sent byte for byte,
// and a PostgreSQL database in SQL_ASCII kept any bytes at all.
bool is_xml_text(std::string_view text);

// XEP-0091's "CCYYMMDDThh:mm:ss" (UTC) as XEP-0082's "CCYY-MM-DDThh:mm:ssZ".
std::optional<std::string> legacy_stamp_to_xep0082(std::string_view stamp);

// ---- collections ----------------------------------------------------------------

// Limits on what one row may hold. Rows above them come from damage or abuse
// and are skipped; the defaults are the destination drivers' own limits.
struct Limits {
    size_t max_document_bytes = storage::kMaxDocumentBytes;  // vCard, private XML, stanza
    size_t max_name_bytes = 1023;                            // roster names and groups
};

// "roster-items" and "roster-groups". jabberd2's "ask" 2 (an unsubscribe
// awaiting an answer) has no counterpart: the item keeps no pending state.
struct RosterResult {
    std::vector<storage::RosterItem> items;  // by contact, groups sorted
    std::vector<Skipped> skipped;
};
RosterResult convert_roster(const SourceRows& items, const SourceRows& groups, const Limits& limits);

// "queue": jabberd2 kept every message and subscription request that came
// for an offline user, wrapped in its router envelope. Chat and normal
// messages become offline messages (with a XEP-0203 <delay/> from the
// legacy stamp); a subscription request becomes what this server keeps for
// it: the roster item's pending-in state (RFC 6121 §3.1.3).
struct PendingSubscription {
    std::string contact;  // bare JID, normalized
    std::string xml;      // the <presence type='subscribe'/> as stored
};
struct QueueResult {
    std::vector<std::string> messages;  // standalone XML, in delivery order
    std::vector<PendingSubscription> subscriptions;
    std::vector<Skipped> skipped;
};
// `now_stamp` dates a stanza that carries no stamp at all (XEP-0082).
QueueResult convert_queue(const SourceRows& rows, const Jid& owner, std::string_view now_stamp,
                          const Limits& limits);

// Adds the pending subscriptions to the roster: to the contact's item, or
// as a hidden item when the user never added the contact. A request from a
// contact who is subscribed already is moot and skipped.
void add_pending_subscriptions(RosterResult& roster, const std::vector<PendingSubscription>& pending,
                               std::vector<Skipped>& skipped);

// "vcard": one column per field jabberd2 understood, rebuilt as the
// <vCard xmlns='vcard-temp'/> this server stores. nullopt when the user had
// none (or nothing in it survived).
struct VcardResult {
    std::optional<std::string> xml;
    std::vector<Skipped> skipped;
};
VcardResult convert_vcard(const SourceRows& rows, const Limits& limits);

// "private": the namespace and the stored iq it was set with; what is
// kept is the one element in that namespace.
struct PrivateElement {
    std::string ns;
    std::string xml;
};
struct PrivateResult {
    std::vector<PrivateElement> elements;  // one per namespace, the last row wins
    std::vector<Skipped> skipped;
};
PrivateResult convert_private(const SourceRows& rows, const Limits& limits);

// "privacy-items" and "privacy-default". A list with an item that cannot be
// read is left out whole: a list missing one of its deny rules would let
// through what the user blocked.
struct PrivacyResult {
    std::vector<storage::PrivacyList> lists;  // by name
    std::optional<std::string> default_list;
    std::vector<Skipped> skipped;
};
PrivacyResult convert_privacy(const SourceRows& items, const SourceRows& defaults);

}  // namespace jng::ctl::jabberd2
