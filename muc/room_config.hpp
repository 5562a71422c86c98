// A room's configuration (XEP-0045 §10.2) as a typed value, read from and
// written to the muc#roomconfig data form (XEP-0004); the same form,
// submitted, is how a persistent room's configuration is stored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "privileges.hpp"
#include "result.hpp"
#include "xml/element.hpp"

namespace jng::muc {

struct RoomConfig {
    std::string name;          // muc#roomconfig_roomname
    std::string description;   // muc#roomconfig_roomdesc
    std::string language;      // muc#roomconfig_lang
    bool public_room = true;   // muc#roomconfig_publicroom: listed in disco#items
    bool persistent = false;   // muc#roomconfig_persistentroom
    bool members_only = false; // muc#roomconfig_membersonly
    bool moderated = false;    // muc#roomconfig_moderatedroom
    bool password_protected = false;  // muc#roomconfig_passwordprotectedroom
    std::string password;             // muc#roomconfig_roomsecret
    size_t max_users = 0;             // muc#roomconfig_maxusers; 0: the service's limit
    Whois whois = Whois::kModerators; // muc#roomconfig_whois
    bool change_subject = false;      // muc#roomconfig_changesubject: occupants may
    bool allow_invites = false;       // muc#roomconfig_allowinvites
    RoleSet member_list_roles{true, true, false};    // muc#roomconfig_getmemberlist
    RoleSet presence_broadcast = RoleSet::all();     // muc#roomconfig_presencebroadcast
    bool logging = false;             // muc#roomconfig_enablelogging
    size_t history_length = 20;       // muc#maxhistoryfetch: messages kept for newcomers

    bool operator==(const RoomConfig&) const = default;
};

// What a room may be configured to, set by the service.
struct ConfigLimits {
    size_t max_users = 200;     // the most occupants any room may have
    size_t max_history = 100;   // the most messages any room keeps
};

// The form an owner fills in (§10.2: type 'form', labels and options), or
// the same values as a submission (type 'submit', for storage).
enum class FormKind { kForm, kSubmit };
xml::Element to_form(const RoomConfig& config, FormKind kind, const ConfigLimits& limits,
                     std::string_view room_name = {});

// `base` with the fields of a submitted form applied; fields the form does
// not carry keep their values (clients may send only what changed). The
// error names the field and why it is not acceptable (§10.2: the service
// answers <not-acceptable/>).
Result<RoomConfig> apply_form(const RoomConfig& base, const xml::Element& form,
                              const ConfigLimits& limits);

// §6.4: the features a room's configuration shows in disco#info.
std::vector<std::string_view> features_of(const RoomConfig& config);

// §6.4: the muc#roominfo form of a room's disco#info (XEP-0128).
xml::Element room_info_form(const RoomConfig& config, std::string_view subject,
                            size_t occupants);

}  // namespace jng::muc
