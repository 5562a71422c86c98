// The muc#roomconfig form (XEP-0045 §10.2): written, read back, refused
// when wrong, and what a configuration shows in disco (§6.4).
#include <catch.hpp>

#include "muc_ns.hpp"
#include "ns.hpp"
#include "room_config.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"
#include "xml_reader_util.hpp"

using namespace jng;
using namespace jng::muc;
using jng::test::must_parse;

namespace {

const ConfigLimits kLimits{200, 100};


// The values of one field of a form.
std::vector<std::string> values(const xml::Element& form, std::string_view var) {
    std::vector<std::string> out;
    for (const xml::Element& f : form.elements()) {
        if (f.name() != "field" || f.attr("var") != var) continue;
        for (const xml::Element& v : f.elements()) {
            if (v.name() == "value") out.push_back(v.text());
        }
    }
    return out;
}

const xml::Element* field(const xml::Element& form, std::string_view var) {
    for (const xml::Element& f : form.elements()) {
        if (f.name() == "field" && f.attr("var") == var) return &f;
    }
    return nullptr;
}

RoomConfig unusual() {
    RoomConfig c;
    c.name = "The <Dark> Cave & \"friends\"";
    c.description = "Zoë's place 😀";
    c.language = "en";
    c.public_room = false;
    c.persistent = true;
    c.members_only = true;
    c.moderated = true;
    c.password_protected = true;
    c.password = "cauldron'burn";
    c.max_users = 42;
    c.whois = Whois::kAnyone;
    c.change_subject = true;
    c.allow_invites = true;
    c.member_list_roles = RoleSet{true, false, true};
    c.presence_broadcast = RoleSet{true, true, false};
    c.logging = true;
    c.history_length = 7;
    return c;
}

}  // namespace

TEST_CASE("muc config: a submission reads back as the configuration it was made of",
          "[muc][config]") {
    for (const RoomConfig& c : {RoomConfig{}, unusual()}) {
        const xml::Element submitted = to_form(c, FormKind::kSubmit, kLimits);
        CHECK(submitted.attr("type") == "submit");
        // Through text, as storage keeps it.
        const xml::Element reread = must_parse(xml::to_string(submitted));
        auto back = apply_form(RoomConfig{}, reread, kLimits);
        INFO((back ? std::string() : back.message()));
        REQUIRE(back.ok());
        CHECK(*back == c);
        // Whatever the base: every field is in the submission.
        auto over_unusual = apply_form(unusual(), reread, kLimits);
        REQUIRE(over_unusual.ok());
        CHECK(*over_unusual == c);
    }
}

TEST_CASE("muc config: the form an owner fills in", "[muc][config]") {
    RoomConfig c;
    c.max_users = 42;
    const xml::Element form = to_form(c, FormKind::kForm, ConfigLimits{30, 50}, "darkcave");
    CHECK(form.is("x", jng::ns::kDataForms));
    CHECK(form.attr("type") == "form");
    CHECK(form.child_text("title") == "Configuration for \"darkcave\" Room");
    CHECK(values(form, "FORM_TYPE") == std::vector<std::string>{std::string(muc::ns::kRoomConfig)});
    REQUIRE(field(form, "FORM_TYPE"));
    CHECK(field(form, "FORM_TYPE")->attr("type") == "hidden");
    REQUIRE(field(form, "muc#roomconfig_persistentroom"));
    CHECK(field(form, "muc#roomconfig_persistentroom")->attr("type") == "boolean");
    CHECK(field(form, "muc#roomconfig_persistentroom")->attr("label") == "Make Room Persistent?");
    CHECK(values(form, "muc#roomconfig_persistentroom") == std::vector<std::string>{"0"});
    CHECK(values(form, "muc#roomconfig_publicroom") == std::vector<std::string>{"1"});
    CHECK(field(form, "muc#roomconfig_roomsecret")->attr("type") == "text-private");
    CHECK(values(form, "muc#roomconfig_whois") == std::vector<std::string>{"moderators"});
    CHECK(values(form, "muc#roomconfig_presencebroadcast") ==
          std::vector<std::string>{"moderator", "participant", "visitor"});
    CHECK(values(form, "muc#roomconfig_getmemberlist") ==
          std::vector<std::string>{"moderator", "participant"});
    // Occupant limits offered up to the service's, plus the current one.
    std::vector<std::string> options;
    for (const xml::Element& o : field(form, "muc#roomconfig_maxusers")->elements()) {
        if (o.name() == "option") options.push_back(o.child_text("value"));
    }
    CHECK(options == std::vector<std::string>{"5", "10", "20", "30", "42", "none"});
    CHECK(values(form, "muc#roomconfig_maxusers") == std::vector<std::string>{"42"});
    // A submission carries no labels or options.
    const xml::Element submit = to_form(c, FormKind::kSubmit, kLimits);
    CHECK_FALSE(field(submit, "muc#roomconfig_persistentroom")->has_attr("label"));
    CHECK_FALSE(field(submit, "muc#roomconfig_whois")->child("option"));
}

TEST_CASE("muc config: a submission may carry only what changes", "[muc][config]") {
    const xml::Element form = must_parse(
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
        "<field var='muc#roomconfig_membersonly'><value>1</value></field>"
        "<field var='muc#roomconfig_roomname'><value>Witches</value></field>"
        "<field var='muc#roomconfig_presencebroadcast'><value>moderator</value></field>"
        "<field var='muc#roomconfig_roomadmins'><value>wiccarocks@shakespeare.lit</value></field>"
        "</x>");
    RoomConfig base = unusual();
    base.members_only = false;
    auto c = apply_form(base, form, kLimits);
    REQUIRE(c.ok());
    RoomConfig expected = base;
    expected.members_only = true;
    expected.name = "Witches";
    expected.presence_broadcast = RoleSet{true, false, false};
    CHECK(*c == expected);

    // An empty submission (an instant room, §10.1.2) changes nothing.
    auto instant = apply_form(base, must_parse("<x xmlns='jabber:x:data' type='submit'/>"), kLimits);
    REQUIRE(instant.ok());
    CHECK(*instant == base);
}

TEST_CASE("muc config: the password and its switch", "[muc][config]") {
    auto with = [](std::string_view fields) {
        return apply_form(RoomConfig{},
                          xml::parse_element("<x xmlns='jabber:x:data' type='submit'>" +
                                             std::string(fields) + "</x>")
                              .value(),
                          kLimits);
    };
    // A password alone turns protection on.
    auto secret = with("<field var='muc#roomconfig_roomsecret'><value>s3cret</value></field>");
    REQUIRE(secret.ok());
    CHECK(secret->password_protected);
    CHECK(secret->password == "s3cret");
    // Protection without a password would lock everyone out.
    CHECK_FALSE(
        with("<field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field>").ok());
    // Protection switched off forgets the password.
    RoomConfig locked;
    locked.password_protected = true;
    locked.password = "old";
    auto off = apply_form(
        locked,
        must_parse("<x xmlns='jabber:x:data' type='submit'><field "
              "var='muc#roomconfig_passwordprotectedroom'><value>0</value></field></x>"),
        kLimits);
    REQUIRE(off.ok());
    CHECK_FALSE(off->password_protected);
    CHECK(off->password.empty());
}

TEST_CASE("muc config: values that are not acceptable name their field", "[muc][config]") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"<field var='muc#roomconfig_persistentroom'><value>yes</value></field>",
         "muc#roomconfig_persistentroom"},
        {"<field var='muc#roomconfig_moderatedroom'/>", "muc#roomconfig_moderatedroom"},
        {"<field var='muc#roomconfig_maxusers'><value>201</value></field>",
         "muc#roomconfig_maxusers"},
        {"<field var='muc#roomconfig_maxusers'><value>-1</value></field>",
         "muc#roomconfig_maxusers"},
        {"<field var='muc#roomconfig_whois'><value>nobody</value></field>",
         "muc#roomconfig_whois"},
        {"<field var='muc#roomconfig_presencebroadcast'><value>none</value></field>",
         "muc#roomconfig_presencebroadcast"},
        {"<field var='muc#roomconfig_getmemberlist'><value>owner</value></field>",
         "muc#roomconfig_getmemberlist"},
        {"<field var='muc#maxhistoryfetch'><value>101</value></field>", "muc#maxhistoryfetch"},
        {"<field var='FORM_TYPE'><value>urn:other</value></field>", "FORM_TYPE"},
    };
    for (const auto& [fields, name] : bad) {
        INFO(fields);
        auto c = apply_form(RoomConfig{},
                            must_parse("<x xmlns='jabber:x:data' type='submit'>" + fields + "</x>"),
                            kLimits);
        REQUIRE_FALSE(c.ok());
        CHECK(c.message().find(name) != std::string::npos);
    }
    CHECK_FALSE(apply_form(RoomConfig{}, must_parse("<x xmlns='jabber:x:data' type='form'/>"), kLimits)
                    .ok());
    CHECK_FALSE(apply_form(RoomConfig{}, must_parse("<x xmlns='urn:other' type='submit'/>"), kLimits)
                    .ok());
    // "none" and an empty value mean the service's limit.
    auto none = apply_form(unusual(),
                           must_parse("<x xmlns='jabber:x:data' type='submit'><field "
                                 "var='muc#roomconfig_maxusers'><value>none</value></field></x>"),
                           kLimits);
    REQUIRE(none.ok());
    CHECK(none->max_users == 0);
}

TEST_CASE("muc config: disco features follow the configuration (§6.4)", "[muc][config]") {
    using Features = std::vector<std::string_view>;
    CHECK(features_of(RoomConfig{}) ==
          Features{muc::ns::kMuc, "muc_public", "muc_temporary", "muc_open", "muc_unmoderated",
                   "muc_unsecured", "muc_semianonymous"});
    CHECK(features_of(unusual()) ==
          Features{muc::ns::kMuc, "muc_hidden", "muc_persistent", "muc_membersonly",
                   "muc_moderated", "muc_passwordprotected", "muc_nonanonymous"});

    const xml::Element info = room_info_form(unusual(), "Spells", 3);
    CHECK(info.attr("type") == "result");
    CHECK(values(info, "FORM_TYPE") == std::vector<std::string>{std::string(muc::ns::kRoomInfo)});
    CHECK(values(info, "muc#roominfo_subject") == std::vector<std::string>{"Spells"});
    CHECK(values(info, "muc#roominfo_occupants") == std::vector<std::string>{"3"});
    CHECK(values(info, "muc#roominfo_description") == std::vector<std::string>{"Zoë's place 😀"});
    CHECK(values(info, "muc#roominfo_lang") == std::vector<std::string>{"en"});
    CHECK(values(info, "muc#roominfo_changesubject") == std::vector<std::string>{"1"});
}
