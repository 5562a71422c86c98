// The conversion rules from jabberd2's rows to ours; the header says what
// each collection becomes, this file how, and why rows are left out.
#include "import_jabberd2_convert.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "ns.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace jng::ctl::jabberd2 {

// ---- values -------------------------------------------------------------------

std::string_view strip_nad_marker(std::string_view text) {
    if (text.starts_with("NAD")) text.remove_prefix(3);
    return text;
}

Result<bool> parse_flag(std::string_view text) {
    if (text == "1" || text == "t" || text == "true" || text == "TRUE") return true;
    if (text == "0" || text == "f" || text == "false" || text == "FALSE") return false;
    return fail("'" + std::string(text) + "' is not a boolean");
}

Result<int64_t> parse_integer(std::string_view text) {
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        return fail("'" + std::string(text) + "' is not an integer");
    return value;
}

bool is_xml_text(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        uint32_t cp = 0;
        size_t length = 0;
        if (c < 0x80) {
            cp = c;
            length = 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            cp = c & 0x1F;
            length = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            cp = c & 0x0F;
            length = 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            cp = c & 0x07;
            length = 4;
        } else {
            return false;  // a continuation byte first, or a byte UTF-8 never uses
        }
        if (i + length > text.size()) return false;
        for (size_t k = 1; k < length; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and code points past U+10FFFF.
        if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        // XML 1.0 §2.2 Char: tab, newline, carriage return and U+0020 up,
        // less U+FFFE and U+FFFF.
        if ((cp < 0x20 && cp != 0x9 && cp != 0xA && cp != 0xD) || cp == 0xFFFE || cp == 0xFFFF)
            return false;
        i += length;
    }
    return true;
}

std::optional<std::string> legacy_stamp_to_xep0082(std::string_view stamp) {
    // CCYYMMDDThh:mm:ss, exactly.
    if (stamp.size() != 17 || stamp[8] != 'T' || stamp[11] != ':' || stamp[14] != ':')
        return std::nullopt;
    for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 15, 16}) {
        if (stamp[i] < '0' || stamp[i] > '9') return std::nullopt;
    }
    std::string out;
    out.reserve(20);
    out.append(stamp.substr(0, 4)).append("-").append(stamp.substr(4, 2)).append("-");
    out.append(stamp.substr(6, 2)).append(stamp.substr(8)).append("Z");
    return out;
}

namespace {

std::string quote(std::string_view text) {
    // Names in the report: short, and never raw control bytes on a terminal.
    std::string out = "'";
    for (char c : text.substr(0, 80)) out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
    if (text.size() > 80) out += "…";
    return out + "'";
}

std::string too_large(size_t bytes, size_t limit) {
    return std::to_string(bytes) + " bytes, more than " + std::to_string(limit);
}

// A contact or privacy JID as the destination keeps it: normalized.
Result<Jid> read_jid(std::optional<std::string_view> text) {
    if (!text || text->empty()) return fail("no JID");
    auto jid = Jid::parse(*text);
    if (!jid) return fail("not a JID: " + jid.message());
    return jid;
}

// Parses a stored element within the size limit.
Result<xml::Element> read_element(std::string_view text, const Limits& limits) {
    if (text.size() > limits.max_document_bytes)
        return fail(too_large(text.size(), limits.max_document_bytes));
    xml::ReaderLimits reader;
    reader.max_stanza_bytes = limits.max_document_bytes;
    std::string error;
    auto element = xml::parse_element(text, &error, reader);
    if (!element) return fail("not well-formed XML: " + error);
    return std::move(*element);
}

// The stanza inside jabberd2's <route/> envelope (or the element itself
// when it was stored bare).
const xml::Element* unwrap_route(const xml::Element& root) {
    if (root.is("route", kComponentNs)) return root.first_element();
    return &root;
}

// Puts the elements without a namespace into jabber:client, as a stream
// whose default namespace it is would have.
void default_to_client(xml::Element& element) {
    if (element.ns().empty()) element.set_ns(std::string(ns::kClient));
    for (xml::Element& child : element.elements()) default_to_client(child);
}

// A copy of `stanza` in jabber:client, without the session protocol's
// attributes (sm:c2s, sm:sm) jabberd2's sm stamped on it.
xml::Element clean_stanza(const xml::Element& stanza) {
    xml::Element out(stanza.name(), ns::kClient);
    for (const auto& a : stanza.attrs()) {
        if (a.ns != kSessionNs) out.set_attr(a);
    }
    out.children() = stanza.children();
    if (stanza.ns().empty()) default_to_client(out);
    return out;
}

// XEP-0203 <delay/>: the legacy stamp jabberd2 put on everything it stored,
// or `now_stamp` when there is none.
void stamp_delay(xml::Element& stanza, const Jid& owner, std::string_view now_stamp) {
    if (stanza.child("delay", ns::kDelay)) return;
    std::string stamp(now_stamp);
    std::string from = owner.domain();
    if (const xml::Element* legacy = stanza.child("x", kLegacyDelayNs)) {
        if (auto converted = legacy_stamp_to_xep0082(legacy->attr("stamp"))) stamp = *converted;
        if (auto legacy_from = Jid::parse(legacy->attr("from"))) from = legacy_from->str();
    }
    xml::Element& delay = stanza.add("delay", ns::kDelay);
    delay.set_attr("from", from);
    delay.set_attr("stamp", stamp);
    delay.add_text("Offline Storage");
}

}  // namespace

// ---- roster -------------------------------------------------------------------------

RosterResult convert_roster(const SourceRows& items, const SourceRows& groups, const Limits& limits) {
    RosterResult out;
    std::map<std::string, storage::RosterItem> by_contact;
    for (const auto& row : items) {
        const auto raw = row.get("jid");
        const std::string what = "roster item " + quote(raw.value_or(""));
        auto jid = read_jid(raw);
        if (!jid) {
            out.skipped.push_back({what, jid.message()});
            continue;
        }
        if (jid->has_resource()) {
            out.skipped.push_back({what, "a roster item is a bare JID (RFC 6121 §2.1.1)"});
            continue;
        }
        storage::RosterItem item;
        item.jid = jid->str();
        auto to = parse_flag(row.get("to").value_or(""));
        auto from = parse_flag(row.get("from").value_or(""));
        auto ask = parse_integer(row.get("ask").value_or("0"));
        if (!to || !from) {
            out.skipped.push_back({what, "\"to\"/\"from\": " + (!to ? to.message() : from.message())});
            continue;
        }
        if (!ask || *ask < 0 || *ask > 2) {
            out.skipped.push_back({what, "\"ask\" is not 0, 1 or 2"});
            continue;
        }
        item.to = *to;
        item.from = *from;
        // 1: a subscribe sent, no answer yet. 2 (an unsubscribe awaiting
        // its answer) keeps nothing: the unsubscribe itself was delivered.
        item.ask = *ask == 1 ? storage::RosterItem::Ask::kSubscribe : storage::RosterItem::Ask::kNone;
        if (const auto name = row.get("name")) {
            if (name->size() > limits.max_name_bytes) {
                out.skipped.push_back({"name of " + what, too_large(name->size(), limits.max_name_bytes)});
            } else if (!is_xml_text(*name)) {
                out.skipped.push_back({"name of " + what, "not UTF-8 text XML can carry"});
            } else {
                item.name = std::string(*name);
            }
        }
        if (!by_contact.emplace(item.jid, std::move(item)).second) {
            out.skipped.push_back({what, "the contact is in the roster twice; the first is kept"});
        }
    }
    for (const auto& row : groups) {
        const auto raw_group = row.get("group").value_or("");
        const std::string what = "group " + quote(raw_group) + " of " + quote(row.get("jid").value_or(""));
        auto jid = read_jid(row.get("jid"));
        if (!jid) {
            out.skipped.push_back({what, jid.message()});
            continue;
        }
        const auto found = by_contact.find(jid->str());
        if (found == by_contact.end()) {
            out.skipped.push_back({what, "no roster item for the contact"});
            continue;
        }
        if (raw_group.empty()) {
            out.skipped.push_back({what, "empty group name"});
        } else if (raw_group.size() > limits.max_name_bytes) {
            out.skipped.push_back({what, too_large(raw_group.size(), limits.max_name_bytes)});
        } else if (!is_xml_text(raw_group)) {
            out.skipped.push_back({what, "not UTF-8 text XML can carry"});
        } else {
            auto& list = found->second.groups;
            if (std::find(list.begin(), list.end(), raw_group) == list.end())
                list.emplace_back(raw_group);
        }
    }
    for (auto& [contact, item] : by_contact) {
        std::sort(item.groups.begin(), item.groups.end());
        out.items.push_back(std::move(item));
    }
    return out;
}

// ---- queue ----------------------------------------------------------------------------

QueueResult convert_queue(const SourceRows& rows, const Jid& owner, std::string_view now_stamp,
                          const Limits& limits) {
    QueueResult out;
    for (const auto& row : rows) {
        const std::string what = "offline stanza #" + std::string(row.get("object-sequence").value_or("?"));
        const auto text = row.get("xml");
        if (!text) {
            out.skipped.push_back({what, "no xml"});
            continue;
        }
        auto root = read_element(strip_nad_marker(*text), limits);
        if (!root) {
            out.skipped.push_back({what, root.message()});
            continue;
        }
        const xml::Element* found = unwrap_route(*root);
        if (!found) {
            out.skipped.push_back({what, "an empty router envelope"});
            continue;
        }
        if (!found->ns().empty() && found->ns() != ns::kClient) {
            out.skipped.push_back({what, "<" + found->name() + "/> in '" + found->ns() + "' is not a stanza"});
            continue;
        }
        xml::Element stanza = clean_stanza(*found);
        auto from = Jid::parse(stanza.attr("from"));
        if (stanza.attr("from").empty() || !from) {
            out.skipped.push_back({what, "no valid sender ('from')"});
            continue;
        }
        stanza.set_attr("to", owner.str());
        if (stanza.name() == "message") {
            // XEP-0160 §3: only these are stored offline, as the sm does.
            const std::string_view type = stanza.attr("type");
            if (!(type.empty() || type == "normal" || type == "chat")) {
                out.skipped.push_back({what, "a " + std::string(type) + " message is not kept offline (XEP-0160)"});
                continue;
            }
            stamp_delay(stanza, owner, now_stamp);
            out.messages.push_back(xml::to_string(stanza));
        } else if (stanza.name() == "presence" && stanza.attr("type") == "subscribe") {
            stamp_delay(stanza, owner, now_stamp);
            out.subscriptions.push_back({from->bare_str(), xml::to_string(stanza)});
        } else {
            out.skipped.push_back({what, "a <" + stanza.name() + " type='" + std::string(stanza.attr("type")) +
                                             "'/> is neither a message nor a subscription request"});
        }
    }
    return out;
}

void add_pending_subscriptions(RosterResult& roster, const std::vector<PendingSubscription>& pending,
                               std::vector<Skipped>& skipped) {
    for (const auto& p : pending) {
        auto it = std::find_if(roster.items.begin(), roster.items.end(),
                               [&](const storage::RosterItem& i) { return i.jid == p.contact; });
        if (it == roster.items.end()) {
            // §3.1.3: a request from someone not in the roster is server
            // state only until the user answers it.
            storage::RosterItem item;
            item.jid = p.contact;
            item.hidden = true;
            item.pending_in = p.xml;
            roster.items.push_back(std::move(item));
            continue;
        }
        if (it->from) {
            skipped.push_back({"subscription request from " + quote(p.contact),
                               "the contact is subscribed already"});
            continue;
        }
        it->pending_in = p.xml;  // a later request replaces an earlier one
    }
    std::sort(roster.items.begin(), roster.items.end(),
              [](const storage::RosterItem& a, const storage::RosterItem& b) { return a.jid < b.jid; });
}

// ---- vCard ----------------------------------------------------------------------------------

namespace {

// jabberd2's mod_iq_vcard map, in its order: the element path it served
// each column as ("N/FAMILY" is <N><FAMILY/></N>).
struct VcardField {
    std::string_view path;
    std::string_view column;
};
constexpr VcardField kVcardFields[] = {
    {"FN", "fn"},
    {"N/FAMILY", "n-family"},
    {"N/GIVEN", "n-given"},
    {"N/MIDDLE", "n-middle"},
    {"N/PREFIX", "n-prefix"},
    {"N/SUFFIX", "n-suffix"},
    {"NICKNAME", "nickname"},
    {"PHOTO/TYPE", "photo-type"},
    {"PHOTO/BINVAL", "photo-binval"},
    {"PHOTO/EXTVAL", "photo-extval"},
    {"BDAY", "bday"},
    {"ADR/POBOX", "adr-pobox"},
    {"ADR/EXTADD", "adr-extadd"},
    {"ADR/STREET", "adr-street"},
    {"ADR/LOCALITY", "adr-locality"},
    {"ADR/REGION", "adr-region"},
    {"ADR/PCODE", "adr-pcode"},
    {"ADR/CTRY", "adr-country"},
    {"TEL/NUMBER", "tel"},
    {"EMAIL/USERID", "email"},
    {"JABBERID", "jabberid"},
    {"MAILER", "mailer"},
    {"TZ", "tz"},
    {"GEO/LAT", "geo-lat"},
    {"GEO/LON", "geo-lon"},
    {"TITLE", "title"},
    {"ROLE", "role"},
    {"LOGO/TYPE", "logo-type"},
    {"LOGO/BINVAL", "logo-binval"},
    {"LOGO/EXTVAL", "logo-extval"},
    {"AGENT/EXTVAL", "agent-extval"},
    {"ORG/ORGNAME", "org-orgname"},
    {"ORG/ORGUNIT", "org-orgunit"},
    {"NOTE", "note"},
    {"REV", "rev"},
    {"SORT-STRING", "sort-string"},
    {"SOUND/PHONETIC", "sound-phonetic"},
    {"SOUND/BINVAL", "sound-binval"},
    {"SOUND/EXTVAL", "sound-extval"},
    {"UID", "uid"},
    {"URL", "url"},
    {"DESC", "desc"},
    {"KEY/TYPE", "key-type"},
    {"KEY/CRED", "key-cred"},
};

}  // namespace

VcardResult convert_vcard(const SourceRows& rows, const Limits& limits) {
    VcardResult out;
    if (rows.empty()) return out;
    // jabberd2 replaced the row on every set; should a table without a key
    // hold several, the newest is the one jabberd2 served last.
    const SourceRow& row = rows.back();
    xml::Element card("vCard", ns::kVcard);
    bool any = false;
    for (const auto& field : kVcardFields) {
        const auto value = row.get(field.column);
        if (!value || value->empty()) continue;
        if (!is_xml_text(*value)) {
            out.skipped.push_back({"vCard field " + std::string(field.path), "not UTF-8 text XML can carry"});
            continue;
        }
        const auto slash = field.path.find('/');
        xml::Element* parent = &card;
        std::string_view name = field.path;
        if (slash != std::string_view::npos) {
            const std::string_view group = field.path.substr(0, slash);
            parent = card.child(group, ns::kVcard);
            if (!parent) parent = &card.add(group);
            name = field.path.substr(slash + 1);
        }
        parent->add_text_child(name, *value);
        any = true;
    }
    if (!any) return out;
    std::string text = xml::to_string(card);
    if (text.size() > limits.max_document_bytes) {
        out.skipped.push_back({"vCard", too_large(text.size(), limits.max_document_bytes)});
        return out;
    }
    out.xml = std::move(text);
    return out;
}

// ---- private XML ------------------------------------------------------------------------------

PrivateResult convert_private(const SourceRows& rows, const Limits& limits) {
    PrivateResult out;
    std::map<std::string, std::string> by_ns;
    for (const auto& row : rows) {
        const auto ns_column = row.get("ns");
        const std::string what = "private XML " + quote(ns_column.value_or("(no namespace)"));
        const auto text = row.get("xml");
        if (!text) {
            out.skipped.push_back({what, "no xml"});
            continue;
        }
        auto root = read_element(strip_nad_marker(*text), limits);
        if (!root) {
            out.skipped.push_back({what, root.message()});
            continue;
        }
        // Stored as the whole request: <route><iq><query xmlns='jabber:iq:private'>
        // <payload/></query></iq></route>. Accept any tail of that path.
        const xml::Element* e = unwrap_route(*root);
        if (e && e->name() == "iq") e = e->child("query", ns::kPrivate);
        if (e && e->is("query", ns::kPrivate)) e = e->first_element();
        if (!e) {
            out.skipped.push_back({what, "no element inside the stored request"});
            continue;
        }
        if (e->ns().empty()) {
            out.skipped.push_back({what, "the element has no namespace (XEP-0049 §2.3)"});
            continue;
        }
        if (ns_column && *ns_column != e->ns()) {
            out.skipped.push_back({what, "the element is in '" + e->ns() + "', not the row's namespace"});
            continue;
        }
        std::string xml = xml::to_string(*e);
        if (xml.size() > limits.max_document_bytes) {
            out.skipped.push_back({what, too_large(xml.size(), limits.max_document_bytes)});
            continue;
        }
        by_ns[e->ns()] = std::move(xml);  // jabberd2 replaced by namespace: the last row wins
    }
    for (auto& [ns, xml] : by_ns) out.elements.push_back({ns, std::move(xml)});
    return out;
}

// ---- privacy lists ----------------------------------------------------------------------------------

namespace {

Result<storage::PrivacyItem> privacy_item(const SourceRow& row) {
    storage::PrivacyItem item;
    std::optional<std::string> type;
    if (const auto t = row.get("type"); t && !t->empty()) type = std::string(*t);
    auto kind = storage::privacy_type_from_column(type);
    if (!kind) return kind.error();
    item.type = *kind;
    const auto value = row.get("value");
    switch (item.type) {
        case storage::PrivacyItem::Type::kNone:
            break;
        case storage::PrivacyItem::Type::kJid: {
            auto jid = read_jid(value);
            if (!jid) return fail("\"value\": " + jid.message());
            item.value = jid->str();
            break;
        }
        case storage::PrivacyItem::Type::kGroup:
            if (!value || value->empty() || !is_xml_text(*value))
                return fail("\"value\" is not a group name");
            item.value = std::string(*value);
            break;
        case storage::PrivacyItem::Type::kSubscription:
            item.value = std::string(value.value_or(""));
            break;
    }
    // Absent values as jabberd2's mod_privacy read them: allow, order 0,
    // every stanza kind.
    if (const auto deny = row.get("deny")) {
        auto flag = parse_flag(*deny);
        if (!flag) return fail("\"deny\": " + flag.message());
        item.allow = !*flag;
    } else {
        item.allow = true;
    }
    if (const auto order = row.get("order")) {
        auto n = parse_integer(*order);
        if (!n) return fail("\"order\": " + n.message());
        auto checked = storage::privacy_order_from_column(*n);
        if (!checked) return checked.error();
        item.order = *checked;
    }
    if (const auto block = row.get("block")) {
        auto n = parse_integer(*block);
        if (!n) return fail("\"block\": " + n.message());
        if (auto st = storage::privacy_block_from_column(*n, item); !st) return st.error();
    }
    if (auto st = storage::check_privacy_item(item); !st) return st.error();
    return item;
}

}  // namespace

PrivacyResult convert_privacy(const SourceRows& items, const SourceRows& defaults) {
    PrivacyResult out;
    std::map<std::string, storage::PrivacyList> lists;
    std::map<std::string, std::string> broken;  // list → why it is left out
    for (const auto& row : items) {
        const auto name = row.get("list");
        if (!name || name->empty() || !is_xml_text(*name)) {
            out.skipped.push_back({"privacy item #" + std::string(row.get("object-sequence").value_or("?")),
                                   "no valid list name"});
            continue;
        }
        const std::string list_name(*name);
        if (broken.contains(list_name)) continue;
        auto item = privacy_item(row);
        if (!item) {
            broken[list_name] = "an item cannot be read (" + item.message() + ")";
            lists.erase(list_name);
            continue;
        }
        auto& list = lists[list_name];
        list.name = list_name;
        list.items.push_back(std::move(*item));
    }
    for (auto& [name, list] : lists) {
        // jabberd2 kept items of equal order in row order; XEP-0016 §2.2
        // makes an order unique, and guessing which rule wins is not ours to do.
        std::stable_sort(list.items.begin(), list.items.end(),
                         [](const auto& a, const auto& b) { return a.order < b.order; });
        if (auto st = storage::check_privacy_list(list); !st) {
            broken[name] = st.message();
            continue;
        }
        out.lists.push_back(std::move(list));
    }
    for (const auto& [name, reason] : broken) {
        out.skipped.push_back({"privacy list " + quote(name), reason + "; the whole list is left out"});
    }
    for (const auto& row : defaults) {
        if (const auto name = row.get("default"); name && !name->empty()) out.default_list = std::string(*name);
    }
    if (out.default_list) {
        const bool present = std::any_of(out.lists.begin(), out.lists.end(),
                                         [&](const auto& l) { return l.name == *out.default_list; });
        if (!present) {
            out.skipped.push_back({"default privacy list " + quote(*out.default_list),
                                   "no such list was imported"});
            out.default_list.reset();
        }
    }
    return out;
}

}  // namespace jng::ctl::jabberd2
