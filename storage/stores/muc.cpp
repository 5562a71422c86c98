// The muc store: the persistent rooms of each MUC service
// (`muc-rooms`) and their affiliations (`muc-affiliations`), always read and
// written together.
#include <map>

#include "muc_rows.hpp"
#include "rows.hpp"
#include "stores/stores.hpp"

namespace jng::storage::stores {
namespace {

constexpr std::string_view kRooms = "muc-rooms";
constexpr std::string_view kAffiliations = "muc-affiliations";

Result<MucRoom> read_room(const SqlRow& r) {
    MucRoom room;
    auto name = r.text(0);
    if (!name) return name.error();
    auto config = r.text(1);
    if (!config) return config.error();
    auto subject = r.text(2);
    if (!subject) return subject.error();
    auto subject_nick = r.text(3);
    if (!subject_nick) return subject_nick.error();
    auto created = r.integer(4);
    if (!created) return created.error();
    room.name = std::move(*name);
    room.config = std::move(*config);
    room.subject = std::move(*subject);
    room.subject_nick = std::move(*subject_nick);
    room.created = *created;
    if (auto s = check_muc_room(room); !s) return corrupt(kRooms, s.message());
    return room;
}

// Attaches rows of (room, jid, affiliation, reason) to `rooms`; an
// affiliation of a missing room can only come from a damaged database.
Status attach_affiliations(const SqlRows& rows, std::vector<MucRoom>& rooms) {
    std::map<std::string_view, MucRoom*> by_name;
    for (auto& room : rooms) by_name.emplace(room.name, &room);
    for (size_t i = 0; i < rows.size(); ++i) {
        auto row = rows[i];
        auto name = row.text(0);
        if (!name) return name.error();
        auto jid = row.text(1);
        if (!jid) return jid.error();
        auto kind = row.text(2);
        if (!kind) return kind.error();
        auto reason = row.text(3);
        if (!reason) return reason.error();
        const auto it = by_name.find(*name);
        if (it == by_name.end())
            return corrupt(kAffiliations, "affiliation in a missing room " + *name);
        auto affiliation = muc_affiliation_from_column(*kind);
        if (!affiliation) return corrupt(kAffiliations, affiliation.message());
        it->second->affiliations.push_back(
            MucAffiliation{std::move(*jid), *affiliation, std::move(*reason)});
    }
    for (const MucRoom& room : rooms) {
        if (auto s = check_muc_room(room); !s) return corrupt(kAffiliations, s.message());
    }
    return {};
}

}  // namespace

MucRooms::MucRooms(SqlConnection& db)
    : db_(db),
      rooms_sql_(sql_text({R"(SELECT "room", "config", "subject", "subject-nick", "created")"
                           R"( FROM "muc-rooms" WHERE "collection-owner" = $1 ORDER BY "room")",
                           db.dialect().byte_order})),
      affiliations_sql_(
          sql_text({R"(SELECT "room", "jid", "affiliation", "reason")"
                    R"( FROM "muc-affiliations" WHERE "collection-owner" = $1)"
                    R"( ORDER BY "room")",
                    db.dialect().byte_order, R"(, "jid")", db.dialect().byte_order})) {}

Result<std::vector<MucRoom>> MucRooms::rooms(std::string_view service) {
    std::vector<MucRoom> rooms;
    // One snapshot for both queries: a put_room() in between must not pair
    // a room with another version's affiliations.
    Status s = db_.transaction(SqlConnection::Mode::kRead, [&]() -> Status {
        auto r = db_.query(rooms_sql_, service);
        if (!r) return r.error();
        rooms.reserve(r->size());
        for (size_t i = 0; i < r->size(); ++i) {
            auto room = read_room((*r)[i]);
            if (!room) return room.error();
            rooms.push_back(std::move(*room));
        }
        if (rooms.empty()) return {};
        auto a = db_.query(affiliations_sql_, service);
        if (!a) return a.error();
        return attach_affiliations(*a, rooms);
    });
    if (!s) return s.error();
    return rooms;
}

Status MucRooms::put_room(std::string_view service, const MucRoom& room) {
    if (auto s = check_domain(service); !s) return s;
    if (auto s = check_muc_room(room); !s) return s;
    // The upsert locks the room's row (SQLite: the file) until COMMIT, so
    // two puts of one room take turns, each replacing the affiliations whole.
    return db_.transaction(SqlConnection::Mode::kWrite, [&]() -> Status {
        // An update, not a replace: a delete would cascade to the
        // affiliations in the middle of the transaction for nothing.
        auto q = db_.query(
            R"(INSERT INTO "muc-rooms")"
            R"( ("collection-owner", "room", "config", "subject", "subject-nick", "created"))"
            R"( VALUES ($1, $2, $3, $4, $5, $6))"
            R"( ON CONFLICT ("collection-owner", "room") DO UPDATE SET)"
            R"( "config" = excluded."config", "subject" = excluded."subject",)"
            R"( "subject-nick" = excluded."subject-nick", "created" = excluded."created")",
            service, room.name, room.config, room.subject, room.subject_nick, room.created);
        if (!q) return q.error();
        // The affiliations are replaced, not merged: the room's list is the truth.
        auto d = db_.query(R"(DELETE FROM "muc-affiliations")"
                           R"( WHERE "collection-owner" = $1 AND "room" = $2)",
                           service, room.name);
        if (!d) return d.error();
        for (const MucAffiliation& a : room.affiliations) {
            auto i = db_.query(R"(INSERT INTO "muc-affiliations")"
                               R"( ("collection-owner", "room", "jid", "affiliation", "reason"))"
                               R"( VALUES ($1, $2, $3, $4, $5))",
                               service, room.name, a.jid, muc_affiliation_to_column(a.affiliation),
                               a.reason);
            if (!i) return i.error();
        }
        return {};
    });
}

Result<bool> MucRooms::remove_room(std::string_view service, std::string_view room) {
    // The room's affiliations go with it (ON DELETE CASCADE).
    auto r = db_.query(R"(DELETE FROM "muc-rooms" WHERE "collection-owner" = $1 AND "room" = $2)",
                       service, room);
    if (!r) return r.error();
    return r->affected() > 0;
}

}  // namespace jng::storage::stores
