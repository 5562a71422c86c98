// The muc#roomconfig form (XEP-0045 §10.2, §15.5.3): one table of fields,
// written as a form or a submission and read back from a submission.
#include "room_config.hpp"

#include <array>
#include <charconv>

#include "muc_ns.hpp"
#include "ns.hpp"

namespace jng::muc {
namespace {

constexpr std::string_view kRoomName = "muc#roomconfig_roomname";
constexpr std::string_view kRoomDesc = "muc#roomconfig_roomdesc";
constexpr std::string_view kLang = "muc#roomconfig_lang";
constexpr std::string_view kPublic = "muc#roomconfig_publicroom";
constexpr std::string_view kPersistent = "muc#roomconfig_persistentroom";
constexpr std::string_view kMembersOnly = "muc#roomconfig_membersonly";
constexpr std::string_view kModerated = "muc#roomconfig_moderatedroom";
constexpr std::string_view kPasswordProtected = "muc#roomconfig_passwordprotectedroom";
constexpr std::string_view kSecret = "muc#roomconfig_roomsecret";
constexpr std::string_view kMaxUsers = "muc#roomconfig_maxusers";
constexpr std::string_view kWhois = "muc#roomconfig_whois";
constexpr std::string_view kChangeSubject = "muc#roomconfig_changesubject";
constexpr std::string_view kAllowInvites = "muc#roomconfig_allowinvites";
constexpr std::string_view kGetMemberList = "muc#roomconfig_getmemberlist";
constexpr std::string_view kPresenceBroadcast = "muc#roomconfig_presencebroadcast";
constexpr std::string_view kLogging = "muc#roomconfig_enablelogging";
constexpr std::string_view kMaxHistory = "muc#maxhistoryfetch";

constexpr std::array<size_t, 6> kMaxUsersChoices = {5, 10, 20, 30, 50, 100};
constexpr std::array<Role, 3> kListedRoles = {Role::kModerator, Role::kParticipant,
                                              Role::kVisitor};

class FormWriter {
public:
    FormWriter(xml::Element& x, FormKind kind) : x_(x), kind_(kind) {}

    xml::Element& field(std::string_view var, std::string_view type, std::string_view label) {
        xml::Element& f = x_.add("field");
        f.set_attr("var", var);
        f.set_attr("type", type);
        if (kind_ == FormKind::kForm && !label.empty()) f.set_attr("label", label);
        return f;
    }
    void text(std::string_view var, std::string_view type, std::string_view label,
              std::string_view value) {
        field(var, type, label).add_text_child("value", value);
    }
    void boolean(std::string_view var, std::string_view label, bool value) {
        text(var, "boolean", label, value ? "1" : "0");
    }
    void option(xml::Element& f, std::string_view label, std::string_view value) {
        if (kind_ != FormKind::kForm) return;
        xml::Element& o = f.add("option");
        o.set_attr("label", label);
        o.add_text_child("value", value);
    }
    void roles(std::string_view var, std::string_view label, const RoleSet& set) {
        xml::Element& f = field(var, "list-multi", label);
        for (Role r : kListedRoles) {
            if (set.contains(r)) f.add_text_child("value", to_string(r));
        }
        option(f, "Moderator", "moderator");
        option(f, "Participant", "participant");
        option(f, "Visitor", "visitor");
    }

private:
    xml::Element& x_;
    FormKind kind_;
};

std::vector<std::string> values_of(const xml::Element& field) {
    std::vector<std::string> out;
    for (const xml::Element& v : field.elements()) {
        if (v.name() == "value") out.push_back(v.text());
    }
    return out;
}

Result<bool> parse_boolean(std::string_view var, const std::vector<std::string>& values) {
    // XEP-0004 §3.3: "0"/"false" or "1"/"true".
    if (values.size() == 1) {
        if (values[0] == "1" || values[0] == "true") return true;
        if (values[0] == "0" || values[0] == "false") return false;
    }
    return fail(std::string(var) + " is a boolean: 0 or 1");
}

Result<size_t> parse_count(std::string_view var, std::string_view text, size_t max) {
    size_t n = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || p != text.data() + text.size() || n > max) {
        return fail(std::string(var) + " must be a number from 0 to " + std::to_string(max));
    }
    return n;
}

Result<RoleSet> parse_roles(std::string_view var, const std::vector<std::string>& values) {
    RoleSet set;
    for (const std::string& v : values) {
        const auto role = parse_role(v);
        if (!role || *role == Role::kNone) {
            return fail(std::string(var) + ": '" + v + "' is not moderator, participant or visitor");
        }
        set.add(*role);
    }
    return set;
}

std::string first(const std::vector<std::string>& values) {
    return values.empty() ? std::string() : values.front();
}

// Applies one field to `c`; `secret_given`/`protection_given` track what
// the submission said about the password.
Status apply_field(RoomConfig& c, std::string_view var, const std::vector<std::string>& values,
                   const ConfigLimits& limits, bool& secret_given, bool& protection_given) {
    auto set_bool = [&](bool& target) -> Status {
        auto b = parse_boolean(var, values);
        if (!b) return b.error();
        target = *b;
        return {};
    };
    if (var == "FORM_TYPE") {
        if (first(values) != ns::kRoomConfig) return fail("FORM_TYPE is not " + std::string(ns::kRoomConfig));
    } else if (var == kRoomName) {
        c.name = first(values);
    } else if (var == kRoomDesc) {
        c.description = first(values);
    } else if (var == kLang) {
        c.language = first(values);
    } else if (var == kPublic) {
        return set_bool(c.public_room);
    } else if (var == kPersistent) {
        return set_bool(c.persistent);
    } else if (var == kMembersOnly) {
        return set_bool(c.members_only);
    } else if (var == kModerated) {
        return set_bool(c.moderated);
    } else if (var == kPasswordProtected) {
        protection_given = true;
        return set_bool(c.password_protected);
    } else if (var == kSecret) {
        c.password = first(values);
        secret_given = !c.password.empty();
    } else if (var == kMaxUsers) {
        const std::string v = first(values);
        if (v.empty() || v == "none") {
            c.max_users = 0;
        } else {
            auto n = parse_count(var, v, limits.max_users);
            if (!n) return n.error();
            c.max_users = *n;
        }
    } else if (var == kWhois) {
        const auto w = parse_whois(first(values));
        if (!w) return fail(std::string(var) + " is moderators or anyone");
        c.whois = *w;
    } else if (var == kChangeSubject) {
        return set_bool(c.change_subject);
    } else if (var == kAllowInvites) {
        return set_bool(c.allow_invites);
    } else if (var == kGetMemberList) {
        auto roles = parse_roles(var, values);
        if (!roles) return roles.error();
        c.member_list_roles = *roles;
    } else if (var == kPresenceBroadcast) {
        auto roles = parse_roles(var, values);
        if (!roles) return roles.error();
        c.presence_broadcast = *roles;
    } else if (var == kLogging) {
        return set_bool(c.logging);
    } else if (var == kMaxHistory) {
        auto n = parse_count(var, first(values), limits.max_history);
        if (!n) return n.error();
        c.history_length = *n;
    }
    // Fields of other services' forms (muc#roomconfig_roomadmins, captcha, …)
    // are not ours: ignored, as XEP-0004 lets a processor ignore them.
    return {};
}

}  // namespace

xml::Element to_form(const RoomConfig& c, FormKind kind, const ConfigLimits& limits,
                     std::string_view room_name) {
    xml::Element x("x", jng::ns::kDataForms);
    x.set_attr("type", kind == FormKind::kForm ? "form" : "submit");
    if (kind == FormKind::kForm) {
        x.add_text_child("title", "Configuration for \"" + std::string(room_name) + "\" Room");
        x.add_text_child("instructions",
                         "Complete this form to change the room's configuration.");
    }
    FormWriter w(x, kind);
    w.text("FORM_TYPE", "hidden", {}, ns::kRoomConfig);
    w.text(kRoomName, "text-single", "Natural-Language Room Name", c.name);
    w.text(kRoomDesc, "text-single", "Short Description of Room", c.description);
    w.text(kLang, "text-single", "Natural Language for Room Discussions", c.language);
    w.boolean(kPublic, "Make Room Publicly Searchable?", c.public_room);
    w.boolean(kPersistent, "Make Room Persistent?", c.persistent);
    w.boolean(kMembersOnly, "Make Room Members-Only?", c.members_only);
    w.boolean(kModerated, "Make Room Moderated?", c.moderated);
    w.boolean(kPasswordProtected, "Password Required to Enter?", c.password_protected);
    w.text(kSecret, "text-private", "Password", c.password);

    xml::Element& users = w.field(kMaxUsers, "list-single", "Maximum Number of Occupants");
    users.add_text_child("value", c.max_users == 0 ? "none" : std::to_string(c.max_users));
    bool current_listed = c.max_users == 0;
    for (size_t n : kMaxUsersChoices) {
        if (n > limits.max_users) break;
        w.option(users, std::to_string(n), std::to_string(n));
        current_listed = current_listed || n == c.max_users;
    }
    if (!current_listed) w.option(users, std::to_string(c.max_users), std::to_string(c.max_users));
    w.option(users, "Up to " + std::to_string(limits.max_users), "none");

    xml::Element& whois = w.field(kWhois, "list-single", "Who May Discover Real JIDs?");
    whois.add_text_child("value", to_string(c.whois));
    w.option(whois, "Moderators Only", "moderators");
    w.option(whois, "Anyone", "anyone");

    w.boolean(kChangeSubject, "Allow Occupants to Change Subject?", c.change_subject);
    w.boolean(kAllowInvites, "Allow Occupants to Invite Others?", c.allow_invites);
    w.roles(kGetMemberList, "Roles that May Retrieve Member List", c.member_list_roles);
    w.roles(kPresenceBroadcast, "Roles for which Presence is Broadcasted", c.presence_broadcast);
    w.boolean(kLogging, "Enable Public Logging?", c.logging);
    w.text(kMaxHistory, "text-single",
           "Maximum Number of History Messages (at most " + std::to_string(limits.max_history) +
               ")",
           std::to_string(c.history_length));
    return x;
}

Result<RoomConfig> apply_form(const RoomConfig& base, const xml::Element& form,
                              const ConfigLimits& limits) {
    if (!form.is("x", jng::ns::kDataForms)) return fail("not a data form");
    if (form.attr("type") != "submit") return fail("the form is not a submission");
    RoomConfig c = base;
    bool secret_given = false;
    bool protection_given = false;
    for (const xml::Element& field : form.elements()) {
        if (field.name() != "field") continue;
        const std::string_view var = field.attr("var");
        if (var.empty()) continue;
        if (auto s = apply_field(c, var, values_of(field), limits, secret_given, protection_given);
            !s) {
            return s.error();
        }
    }
    // A password given without the switch turns protection on; protection
    // without a password would lock everyone out.
    if (secret_given && !protection_given) c.password_protected = true;
    if (c.password_protected && c.password.empty()) {
        return fail(std::string(kPasswordProtected) + " needs a " + std::string(kSecret));
    }
    if (!c.password_protected) c.password.clear();
    return c;
}

std::vector<std::string_view> features_of(const RoomConfig& c) {
    return {
        ns::kMuc,
        c.public_room ? "muc_public" : "muc_hidden",
        c.persistent ? "muc_persistent" : "muc_temporary",
        c.members_only ? "muc_membersonly" : "muc_open",
        c.moderated ? "muc_moderated" : "muc_unmoderated",
        c.password_protected ? "muc_passwordprotected" : "muc_unsecured",
        c.whois == Whois::kAnyone ? "muc_nonanonymous" : "muc_semianonymous",
    };
}

xml::Element room_info_form(const RoomConfig& c, std::string_view subject, size_t occupants) {
    xml::Element x("x", jng::ns::kDataForms);
    x.set_attr("type", "result");
    FormWriter w(x, FormKind::kForm);
    w.text("FORM_TYPE", "hidden", {}, ns::kRoomInfo);
    w.text("muc#roominfo_description", "text-single", "Description", c.description);
    w.text("muc#roominfo_subject", "text-single", "Subject", subject);
    w.text("muc#roominfo_occupants", "text-single", "Number of occupants",
           std::to_string(occupants));
    w.boolean("muc#roominfo_changesubject", "Whether Occupants May Change the Subject",
              c.change_subject);
    if (!c.language.empty()) {
        w.text("muc#roominfo_lang", "text-single", "Language of discussion", c.language);
    }
    return x;
}

}  // namespace jng::muc
