// One room (XEP-0045): its occupants, affiliations, configuration, subject
// and history, and the protocol spoken at its addresses - presence to
// room@service/nick (enter, change nick or status, leave), messages to the
// room (groupchat, subject, invitations) and to occupants (private
// messages), and the muc#admin and muc#owner requests. The room sends
// through its RoomHost, so it runs the same with a router or in a test.
//
// The parts live in several files: room.cpp (state, addressing, presence
// building), room_presence.cpp, room_messages.cpp, room_admin.cpp,
// room_owner.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "history.hpp"
#include "jid.hpp"
#include "log.hpp"
#include "muc_config.hpp"
#include "muc_user.hpp"
#include "occupant.hpp"
#include "privileges.hpp"
#include "room_config.hpp"
#include "stanza.hpp"
#include "xml/element.hpp"

namespace jng::muc {

// What a room needs from the service that hosts it.
class RoomHost {
public:
    virtual ~RoomHost() = default;
    virtual void send(xml::Element stanza) = 0;
    virtual TimePoint now() const = 0;
    virtual const ServiceLimits& limits() const = 0;
    // Service administrators are owners of every room.
    virtual bool is_service_admin(const Jid& user) const = 0;
    virtual Log& log() = 0;
};

class Room {
public:
    // kLocked: created, waiting for its owner's configuration (§10.1.1);
    // nobody else may enter. kOpen: in use. kDestroyed: its owner destroyed
    // it (§10.9) or cancelled its creation; the service drops it.
    enum class State { kLocked, kOpen, kDestroyed };

    struct AffiliationEntry {
        Affiliation affiliation = Affiliation::kNone;
        std::string reason;
    };

    Room(RoomHost& host, Jid jid, RoomConfig config, State state, TimePoint created);
    Room(const Room&) = delete;
    Room& operator=(const Room&) = delete;

    // The first presence to a room that does not exist yet: the sender
    // becomes its owner and enters with status 201 (§10.1.1).
    void create(const xml::Element& presence, const Jid& from, const std::string& nick);

    // Stanzas to the room (`to` without a resource) or to one of its
    // occupants (`to` = room@service/nick). `from` is the sender's real JID.
    void handle_presence(const xml::Element& presence, const Jid& from, const Jid& to);
    void handle_message(const xml::Element& message, const Jid& from, const Jid& to);
    void handle_iq(const xml::Element& iq, const Jid& from, const Jid& to);

    // The service is going away: every occupant gets its own unavailable
    // presence with status 332 (§7.1, XEP-0045 §15.6.2).
    void shutdown();

    // A stored room's state, when the service loads it.
    void restore_affiliation(const std::string& jid, Affiliation affiliation, std::string reason);
    void restore_subject(std::string subject, std::string nick);

    const Jid& jid() const { return jid_; }
    State state() const { return state_; }
    const RoomConfig& config() const { return config_; }
    TimePoint created() const { return created_; }
    const std::string& subject() const { return subject_; }
    const std::string& subject_nick() const { return subject_nick_; }
    const std::map<std::string, AffiliationEntry>& affiliations() const { return affiliations_; }
    size_t occupant_count() const { return occupants_.size(); }
    bool is_occupant(const Jid& real) const;
    // Counts every change of what a persistent room stores: configuration,
    // subject, affiliations.
    uint64_t revision() const { return revision_; }
    // Nothing more to do for this room: destroyed, or temporary and empty
    // (§4.2: a temporary room is destroyed when its last occupant exits).
    bool finished() const;

    // The affiliation stored for exactly this bare JID or domain.
    Affiliation stored_affiliation(const std::string& bare) const;
    // A user's affiliation: service administrators are owners; otherwise
    // the bare JID's, else the domain's (a ban of a whole server), else none.
    Affiliation affiliation_of(const Jid& user) const;

private:
    // What a presence about an occupant says besides the occupant's own
    // presence: the kind of change, status codes, actor and reason.
    struct PresenceNote {
        bool unavailable = false;
        std::vector<int> status;       // for everyone
        std::vector<int> self_status;  // for the occupant only (110 is added)
        std::string new_nick;          // §7.6 (303)
        std::string actor_nick;        // shown to the occupant only
        std::string reason;
        std::optional<xml::Element> destroy;  // §10.9
    };

    // room_presence.cpp
    void join(const xml::Element& presence, const Jid& from, const std::string& nick,
              bool created);
    std::optional<std::string> refusal(const Jid& from, const std::string& nick,
                                       const xml::Element* muc) const;
    void send_history(const Occupant& to, const xml::Element* muc);
    void send_subject(const Occupant& to);
    void leave(std::string nick, const xml::Element& presence);
    void change_nick(std::string nick, const xml::Element& presence, const std::string& new_nick);
    void update_presence(Occupant& o, const xml::Element& presence);

    // room_messages.cpp
    void groupchat(const xml::Element& message, Occupant* sender);
    void change_subject(const xml::Element& message, Occupant& sender);
    void private_message(const xml::Element& message, Occupant* sender, const std::string& nick);
    void invite(const xml::Element& message, const xml::Element& x, Occupant* sender);
    void decline(const xml::Element& message, const xml::Element& x, const Jid& from);
    void occupant_iq(const xml::Element& iq, const Jid& from, const std::string& nick);

    // room_admin.cpp (muc#admin, §8-§9)
    void admin_get(const xml::Element& iq, const Jid& from, const xml::Element& query);
    void admin_set(const xml::Element& iq, const Jid& from, const xml::Element& query);
    void set_role(std::string nick, Role role, const std::string& actor_nick,
                  const std::string& reason);
    void set_affiliation(const std::string& bare, Affiliation affiliation,
                         const std::string& actor_nick, const std::string& reason);

    // room_owner.cpp (muc#owner, §10)
    void owner_get(const xml::Element& iq, const Jid& from);
    void owner_set(const xml::Element& iq, const Jid& from, const xml::Element& query);
    void configure(RoomConfig config);
    void destroy(const xml::Element* request);
    void disco_info(const xml::Element& iq, const Jid& from);

    // room.cpp
    Occupant* find_nick(const std::string& nick);
    Occupant* find_real(const Jid& real);
    const Occupant* find_real(const Jid& real) const;
    Party party_of(const Jid& user) const;
    size_t max_users() const;
    std::string occupant_jid(const std::string& nick) const;
    xml::Element presence_of(const Occupant& about, const Occupant& to,
                             const PresenceNote& note) const;
    // Sends `about`'s presence to every occupant who may see it (the
    // roles in presence broadcast, §10.2), and to `about` itself with 110.
    void broadcast_presence(const Occupant& about, const PresenceNote& note, Role visible_as);
    // Removes an occupant, telling everyone with an unavailable presence.
    void remove(std::string nick, PresenceNote note);
    // A groupchat message from the room itself with status codes (§10.2.1).
    void announce_status(const std::vector<int>& codes);
    void reply_error(const xml::Element& stanza, std::string_view condition,
                     std::string_view text = {},
                     std::optional<stanza::ErrorType> type = std::nullopt);
    void changed() { ++revision_; }

    RoomHost& host_;
    Jid jid_;
    RoomConfig config_;
    State state_;
    TimePoint created_;
    std::map<std::string, Occupant> occupants_;  // by nick
    std::map<std::string, AffiliationEntry> affiliations_;  // by bare JID or domain
    History history_;
    std::string subject_;
    std::string subject_nick_;
    uint64_t revision_ = 0;
};

}  // namespace jng::muc
