// Checks on the values that go into and come out of the database, shared by
// every driver: a row read back is input like any other, and a corrupt one
// becomes an error value instead of a crash or a nonsense login.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "result.hpp"
#include "types.hpp"

namespace jng::storage {

// PBKDF2 work above this would let a tampered row stall a worker for minutes.
inline constexpr int64_t kMaxScramIterations = 10'000'000;

// An empty credential (iterations 0, every field empty) means "none for this
// hash"; otherwise iterations in [1, kMaxScramIterations], a base64 salt and
// hex keys as long as the hash's output.
Status check_credential(sasl::Hash hash, const ScramCredential& credential);

// Non-empty username and realm, valid credentials.
Status check_record(const AuthRecord& record);

// A collection owner or a contact JID: non-empty (normalization is the
// caller's job: storage compares bytes).
Status check_key(std::string_view what, std::string_view value);

// Non-empty contact, no empty group names.
Status check_item(const RosterItem& item);

Status check_stanza(std::string_view xml);

// An XML document a user or an administrator stores (a vCard, private XML,
// the message of the day). The sm module enforces its own, smaller limit; a
// row above this one is damage or abuse, refused on the way in and reported
// as corrupt on the way out.
inline constexpr size_t kMaxDocumentBytes = 1 << 20;

// Non-empty and at most kMaxDocumentBytes.
Status check_document(std::string_view what, std::string_view xml);

// The key of a domain-keyed row: non-empty, and a domain, not a JID with a
// localpart or resource (which would put the row where remove_user looks).
Status check_domain(std::string_view domain);

// Unix seconds: not before the epoch.
Status check_time(std::string_view what, int64_t time);

// A value per type (XEP-0016 §2.1): a JID or a group, non-empty; one of
// none/to/from/both for a subscription; nothing for the fall-through item.
Status check_privacy_item(const PrivacyItem& item);
// A name, at least one item, every item valid, no order used twice.
Status check_privacy_list(const PrivacyList& list);

// privacy-items columns, as jabberd2 spelled them: "type" 'jid', 'group',
// 'subscription' or NULL; "block" a bitmask of the stanza kinds.
std::optional<std::string_view> privacy_type_to_column(PrivacyItem::Type type);
Result<PrivacyItem::Type> privacy_type_from_column(const std::optional<std::string>& value);
int64_t privacy_block_to_column(const PrivacyItem& item);
// Sets the four stanza-kind flags of `item` from a "block" value.
Status privacy_block_from_column(int64_t value, PrivacyItem& item);
Result<uint32_t> privacy_order_from_column(int64_t value);

// Times not negative, and an end (when there is one) not before the start.
Status check_vacation(const Vacation& vacation);

// A non-empty jid; name and node may be empty.
Status check_disco_item(const DiscoItem& item);

// Column values read back.
Result<bool> flag_from_column(std::string_view column, int64_t value);
Result<RosterItem::Ask> ask_from_column(int64_t value);
int64_t ask_to_column(RosterItem::Ask ask);
Result<int> iterations_from_column(std::string_view column, int64_t value);

// Seconds since the epoch, for the "created"/"applied" columns.
int64_t unix_now();

// "corrupt row in <table>: <what>", the one message shape for bad data read.
Error corrupt(std::string_view table, std::string_view what);

}  // namespace jng::storage
