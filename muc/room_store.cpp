// RoomStore: conversion between rooms and storage rows, and ordered writes
// with retries.
#include "room_store.hpp"

#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace jng::muc {
namespace {

constexpr std::chrono::milliseconds kRetryMin{500};
constexpr std::chrono::milliseconds kRetryMax{30000};

storage::MucAffiliation::Kind to_kind(Affiliation a) {
    switch (a) {
        case Affiliation::kOwner: return storage::MucAffiliation::Kind::kOwner;
        case Affiliation::kAdmin: return storage::MucAffiliation::Kind::kAdmin;
        case Affiliation::kOutcast: return storage::MucAffiliation::Kind::kOutcast;
        case Affiliation::kMember:
        case Affiliation::kNone: break;
    }
    return storage::MucAffiliation::Kind::kMember;
}

Affiliation from_kind(storage::MucAffiliation::Kind k) {
    switch (k) {
        case storage::MucAffiliation::Kind::kOwner: return Affiliation::kOwner;
        case storage::MucAffiliation::Kind::kAdmin: return Affiliation::kAdmin;
        case storage::MucAffiliation::Kind::kOutcast: return Affiliation::kOutcast;
        case storage::MucAffiliation::Kind::kMember: break;
    }
    return Affiliation::kMember;
}

}  // namespace

storage::MucRoom to_stored(const Room& room, const ConfigLimits& limits) {
    storage::MucRoom s;
    s.name = room.jid().node();
    s.config = xml::to_string(to_form(room.config(), FormKind::kSubmit, limits));
    s.subject = room.subject();
    s.subject_nick = room.subject_nick();
    s.created = SystemClock::to_time_t(room.created());
    for (const auto& [jid, entry] : room.affiliations()) {
        if (entry.affiliation == Affiliation::kNone) continue;
        s.affiliations.push_back({jid, to_kind(entry.affiliation), entry.reason});
    }
    return s;
}

Result<std::unique_ptr<Room>> from_stored(RoomHost& host, const std::string& service,
                                          const storage::MucRoom& stored,
                                          const RoomConfig& defaults) {
    auto jid = Jid::make(stored.name, service);
    if (!jid) return fail("room name '" + stored.name + "': " + jid.message());
    std::string why;
    const auto form = xml::parse_element(stored.config, &why);
    if (!form) return fail("room " + jid->str() + ": unreadable configuration: " + why);
    auto config = apply_form(defaults, *form, host.limits().config);
    if (!config) return fail("room " + jid->str() + ": " + config.message());
    config->persistent = true;  // it was stored
    auto room = std::make_unique<Room>(host, std::move(*jid), std::move(*config),
                                       Room::State::kOpen,
                                       SystemClock::from_time_t(stored.created));
    for (const storage::MucAffiliation& a : stored.affiliations) {
        room->restore_affiliation(a.jid, from_kind(a.affiliation), a.reason);
    }
    room->restore_subject(stored.subject, stored.subject_nick);
    return room;
}

RoomStore::RoomStore(net::Loop& loop, Log& log, storage::Storage& storage)
    : log_(log),
      storage_(storage),
      backoff_(kRetryMin),
      retry_timer_(loop, [this] { retry(); }) {}

void RoomStore::load(const std::string& service, Loaded done) {
    storage_.run(
        service,
        [service](storage::Driver& d) -> Result<std::vector<storage::MucRoom>> {
            auto muc = d.muc();
            if (!muc) return muc.error();
            return (*muc)->rooms(service);
        },
        [watch = lifeline_.watch(), done = std::move(done)](
            Result<std::vector<storage::MucRoom>> rooms) mutable {
            if (net::alive(watch)) done(std::move(rooms));
        });
}

RoomStore::Write& RoomStore::next_write(const std::string& service, const std::string& room,
                                        Stored stored) {
    const std::string key = service + "/" + room;
    Write& w = writes_[key];
    w.service = service;
    w.room = room;
    w.generation = ++next_generation_;
    w.failed = false;
    if (stored) w.waiting.push_back(std::move(stored));
    return w;
}

void RoomStore::save(const std::string& service, storage::MucRoom room, Stored stored) {
    const std::string name = room.name;
    next_write(service, name, std::move(stored)).value = std::move(room);
    submit(service + "/" + name);
}

void RoomStore::remove(const std::string& service, const std::string& room, Stored stored) {
    next_write(service, room, std::move(stored)).value.reset();
    submit(service + "/" + room);
}

void RoomStore::submit(const std::string& key) {
    const Write& w = writes_.at(key);
    auto done = [this, watch = lifeline_.watch(), key, generation = w.generation](Status s) {
        if (net::alive(watch)) finished(key, generation, s);
    };
    // Keyed by room: one room's writes reach the database in order.
    if (w.value) {
        storage_.run(
            key,
            [service = w.service, room = *w.value](storage::Driver& d) -> Status {
                auto muc = d.muc();
                if (!muc) return muc.error();
                return (*muc)->put_room(service, room);
            },
            std::move(done));
    } else {
        storage_.run(
            key,
            [service = w.service, room = w.room](storage::Driver& d) -> Status {
                auto muc = d.muc();
                if (!muc) return muc.error();
                auto removed = (*muc)->remove_room(service, room);
                if (!removed) return removed.error();
                return {};
            },
            std::move(done));
    }
}

void RoomStore::finished(const std::string& key, uint64_t generation, const Status& status) {
    const auto it = writes_.find(key);
    // Superseded: a newer write of this room is on its way and wins.
    if (it == writes_.end() || it->second.generation != generation) return;
    // Taken out first: a waiter may write this room again.
    std::vector<Stored> waiting = std::move(it->second.waiting);
    it->second.waiting.clear();
    if (status) {
        writes_.erase(it);
        backoff_ = kRetryMin;
    } else {
        log_.warning("storage: room {} not stored ({}); retrying in {} ms", key,
                     status.message(), backoff_.count());
        it->second.failed = true;
        if (!retry_timer_.active()) {
            retry_timer_.start(backoff_);
            backoff_ = std::min(backoff_ * 2, kRetryMax);
        }
    }
    for (Stored& w : waiting) w(status);
}

void RoomStore::retry() {
    std::vector<std::string> keys;
    for (auto& [key, w] : writes_) {
        if (!w.failed) continue;
        w.failed = false;
        w.generation = ++next_generation_;
        keys.push_back(key);
    }
    for (const std::string& key : keys) submit(key);
}

}  // namespace jng::muc
