// Validation of rows written and read, for every driver: the formats of
// SCRAM credentials, the known values of flags, `ask` and privacy items, the
// sizes of stored documents.
#include "rows.hpp"

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

namespace jng::storage {
namespace {

bool is_base64(std::string_view s) {
    if (s.empty() || s.size() % 4 != 0) return false;
    size_t padding = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '=') {
            // Padding only at the end, at most two.
            if (i + 2 < s.size()) return false;
            ++padding;
            continue;
        }
        if (padding > 0) return false;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/';
        if (!ok) return false;
    }
    return true;
}

bool is_hex(std::string_view s, size_t length) {
    if (s.size() != length) return false;
    for (char c : s) {
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!ok) return false;
    }
    return true;
}

std::string_view hash_name(sasl::Hash hash) {
    return hash == sasl::Hash::kSha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
}

}  // namespace

Status check_credential(sasl::Hash hash, const ScramCredential& c) {
    std::string what(hash_name(hash));
    if (c.iterations == 0) {
        if (!c.salt.empty() || !c.stored_key.empty() || !c.server_key.empty())
            return fail(what + " credential has keys but no iteration count");
        return {};
    }
    if (c.iterations < 1 || c.iterations > kMaxScramIterations)
        return fail(what + " iteration count " + std::to_string(c.iterations) + " out of range");
    if (!is_base64(c.salt)) return fail(what + " salt is not base64");
    // Hex of the hash output: 20 bytes for SHA-1, 32 for SHA-256.
    size_t hex_length = hash == sasl::Hash::kSha1 ? 40 : 64;
    if (!is_hex(c.stored_key, hex_length)) return fail(what + " stored key is malformed");
    if (!is_hex(c.server_key, hex_length)) return fail(what + " server key is malformed");
    return {};
}

Status check_record(const AuthRecord& record) {
    if (auto s = check_key("username", record.username); !s) return s;
    if (auto s = check_key("realm", record.realm); !s) return s;
    if (auto s = check_credential(sasl::Hash::kSha1, record.sha1); !s) return s;
    return check_credential(sasl::Hash::kSha256, record.sha256);
}

Status check_key(std::string_view what, std::string_view value) {
    if (value.empty()) return fail(std::string(what) + " is empty");
    return {};
}

Status check_item(const RosterItem& item) {
    if (auto s = check_key("roster item jid", item.jid); !s) return s;
    for (const auto& group : item.groups)
        if (group.empty()) return fail("roster item " + item.jid + " has an empty group name");
    return {};
}

Status check_stanza(std::string_view xml) {
    if (xml.empty()) return fail("empty stanza");
    return {};
}

Status check_document(std::string_view what, std::string_view xml) {
    if (xml.empty()) return fail(std::string(what) + " is empty");
    if (xml.size() > kMaxDocumentBytes)
        return fail(std::string(what) + " is " + std::to_string(xml.size()) + " bytes, more than " +
                    std::to_string(kMaxDocumentBytes));
    return {};
}

Status check_domain(std::string_view domain) {
    if (domain.empty()) return fail("domain is empty");
    if (domain.find_first_of("@/") != std::string_view::npos)
        return fail("domain has a localpart or resource");
    return {};
}

Status check_time(std::string_view what, int64_t time) {
    if (time < 0) return fail(std::string(what) + " " + std::to_string(time) + " is negative");
    return {};
}

Status check_privacy_item(const PrivacyItem& item) {
    switch (item.type) {
        case PrivacyItem::Type::kNone:
            if (!item.value.empty()) return fail("fall-through privacy item has a value");
            return {};
        case PrivacyItem::Type::kJid:
        case PrivacyItem::Type::kGroup:
            if (item.value.empty()) return fail("privacy item has an empty value");
            return {};
        case PrivacyItem::Type::kSubscription:
            if (item.value != "none" && item.value != "to" && item.value != "from" &&
                item.value != "both")
                return fail("privacy item subscription is not none, to, from or both");
            return {};
    }
    return fail("privacy item has an unknown type");
}

Status check_privacy_list(const PrivacyList& list) {
    if (list.name.empty()) return fail("privacy list name is empty");
    // XEP-0016 §2.3: a list set with no items is removed, never stored empty.
    if (list.items.empty()) return fail("privacy list has no items");
    std::set<uint32_t> orders;
    for (const auto& item : list.items) {
        if (auto s = check_privacy_item(item); !s) return s;
        if (!orders.insert(item.order).second)
            return fail("privacy list uses order " + std::to_string(item.order) + " twice");
    }
    return {};
}

std::optional<std::string_view> privacy_type_to_column(PrivacyItem::Type type) {
    switch (type) {
        case PrivacyItem::Type::kJid:
            return "jid";
        case PrivacyItem::Type::kGroup:
            return "group";
        case PrivacyItem::Type::kSubscription:
            return "subscription";
        case PrivacyItem::Type::kNone:
            break;
    }
    return std::nullopt;
}

Result<PrivacyItem::Type> privacy_type_from_column(const std::optional<std::string>& value) {
    if (!value) return PrivacyItem::Type::kNone;
    if (*value == "jid") return PrivacyItem::Type::kJid;
    if (*value == "group") return PrivacyItem::Type::kGroup;
    if (*value == "subscription") return PrivacyItem::Type::kSubscription;
    return fail("\"type\" is not jid, group, subscription or NULL");
}

namespace {

// jabberd2's mod_privacy bits.
constexpr int64_t kBlockMessage = 1;
constexpr int64_t kBlockPresenceIn = 2;
constexpr int64_t kBlockPresenceOut = 4;
constexpr int64_t kBlockIq = 8;
constexpr int64_t kBlockAll = kBlockMessage | kBlockPresenceIn | kBlockPresenceOut | kBlockIq;

}  // namespace

int64_t privacy_block_to_column(const PrivacyItem& item) {
    return (item.message ? kBlockMessage : 0) | (item.presence_in ? kBlockPresenceIn : 0) |
           (item.presence_out ? kBlockPresenceOut : 0) | (item.iq ? kBlockIq : 0);
}

Status privacy_block_from_column(int64_t value, PrivacyItem& item) {
    if (value < 0 || (value & ~kBlockAll) != 0)
        return fail("\"block\" is " + std::to_string(value) + ", not a known bitmask");
    item.message = (value & kBlockMessage) != 0;
    item.presence_in = (value & kBlockPresenceIn) != 0;
    item.presence_out = (value & kBlockPresenceOut) != 0;
    item.iq = (value & kBlockIq) != 0;
    return {};
}

Result<uint32_t> privacy_order_from_column(int64_t value) {
    if (value < 0 || value > int64_t{UINT32_MAX})
        return fail("\"order\" is " + std::to_string(value) + ", not an unsigned 32-bit integer");
    return static_cast<uint32_t>(value);
}

Status check_vacation(const Vacation& vacation) {
    if (auto s = check_time("vacation start", vacation.start); !s) return s;
    if (auto s = check_time("vacation end", vacation.end); !s) return s;
    if (vacation.end != 0 && vacation.end < vacation.start)
        return fail("vacation ends before it starts");
    return {};
}

Status check_disco_item(const DiscoItem& item) {
    return check_key("disco item jid", item.jid);
}

Result<bool> flag_from_column(std::string_view column, int64_t value) {
    if (value == 0) return false;
    if (value == 1) return true;
    return fail("\"" + std::string(column) + "\" is " + std::to_string(value) + ", not 0 or 1");
}

Result<RosterItem::Ask> ask_from_column(int64_t value) {
    switch (value) {
        case 0:
            return RosterItem::Ask::kNone;
        case 1:
            return RosterItem::Ask::kSubscribe;
        default:
            return fail("\"ask\" is " + std::to_string(value) + ", not a known value");
    }
}

int64_t ask_to_column(RosterItem::Ask ask) {
    return ask == RosterItem::Ask::kSubscribe ? 1 : 0;
}

Result<int> iterations_from_column(std::string_view column, int64_t value) {
    if (value < 0 || value > kMaxScramIterations)
        return fail("\"" + std::string(column) + "\" is " + std::to_string(value) +
                    ", out of range");
    return static_cast<int>(value);
}

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Error corrupt(std::string_view table, std::string_view what) {
    return fail("corrupt row in \"" + std::string(table) + "\": " + std::string(what));
}

}  // namespace jng::storage
