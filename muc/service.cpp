// Service: loading, the router link, dispatch to rooms, room creation and
// the join rate, and persistence after each stanza.
#include "service.hpp"

#include "disco.hpp"
#include "muc_ns.hpp"
#include "ns.hpp"
#include "stanza.hpp"

namespace jng::muc {
namespace {
constexpr std::chrono::milliseconds kLoadRetryMin{250};
constexpr std::chrono::milliseconds kLoadRetryMax{10000};
constexpr auto kPurgeInterval = std::chrono::minutes(1);
}  // namespace

Service::Service(net::Loop& loop, Log& log, const MucConfig& config, ServiceConfig service,
                 RoomStore& store, std::function<void()> on_first_ready)
    : loop_(loop),
      log_(log),
      config_(config),
      service_(std::move(service)),
      store_(store),
      on_first_ready_(std::move(on_first_ready)),
      joins_(config.limits.join_rate, config.limits.join_burst),
      purge_timer_(loop, [this] { joins_.purge(); }),
      load_timer_(loop, [this] { load(); }),
      load_backoff_(kLoadRetryMin) {}

// Rooms refer to the service (their host): they go first.
Service::~Service() { rooms_.clear(); }

void Service::start() { load(); }

void Service::load() {
    store_.load(service_.jid, [this, watch = lifeline_.watch()](
                                  Result<std::vector<storage::MucRoom>> stored) {
        if (!net::alive(watch) || stopping_) return;
        if (!stored) {
            // The database is a prerequisite: waited for, never given up on.
            if (!load_failed_before_) {
                log_.warning("{}: cannot load rooms ({}); waiting for the database", service_.jid,
                             stored.message());
                load_failed_before_ = true;
            } else {
                log_.debug("{}: still cannot load rooms ({})", service_.jid, stored.message());
            }
            load_timer_.start(load_backoff_);
            load_backoff_ = std::min(load_backoff_ * 2, kLoadRetryMax);
            return;
        }
        restore(*stored);
        connect();
    });
}

void Service::restore(const std::vector<storage::MucRoom>& stored) {
    for (const storage::MucRoom& s : stored) {
        auto room = from_stored(*this, service_.jid, s, config_.defaults);
        if (!room) {
            // One damaged room does not keep the others down; its row stays
            // for an operator to look at.
            log_.error("{}: skipping stored room: {}", service_.jid, room.message());
            continue;
        }
        const std::string node = (*room)->jid().node();
        stored_revision_[node] = (*room)->revision();
        rooms_.emplace(node, std::move(*room));
    }
    log_.info("{}: {} persistent rooms loaded", service_.jid, rooms_.size());
}

void Service::connect() {
    component::LinkConfig link = config_.router;
    link.name = service_.jid;
    link.secret = service_.secret;
    link.binds.clear();  // a plain XEP-0114 component: its own name, nothing more
    component::Link::Handlers h;
    h.on_ready = [this] {
        if (ready_) return;
        ready_ = true;
        if (on_first_ready_) on_first_ready_();
    };
    h.on_stanza = [this](xml::Element&& e) { handle(std::move(e)); };
    link_ = std::make_unique<component::Link>(loop_, log_, link, std::move(h));
    if (!send_) send_ = [this](const xml::Element& e) { link_->send(e); };
    link_->start();
    purge_timer_.start_repeating(kPurgeInterval);
}

void Service::shutdown() {
    stopping_ = true;
    load_timer_.stop();
    purge_timer_.stop();
    size_t occupants = 0;
    for (auto& [node, room] : rooms_) {
        occupants += room->occupant_count();
        room->shutdown();
    }
    if (occupants > 0) {
        log_.info("{}: {} occupants told the service is shutting down (332)", service_.jid,
                  occupants);
    }
    if (link_) link_->stop();
}

void Service::send(xml::Element stanza) {
    if (answering_ != nullptr && stanza.name() == "iq" &&
        stanza.attr("id") == answering_->attr("id") &&
        stanza.attr("to") == answering_->attr("from")) {
        held_answer_ = std::move(stanza);
        return;
    }
    if (send_) send_(stanza);
}

bool Service::is_service_admin(const Jid& user) const {
    return config_.admins.count(user.bare_str()) > 0;
}

void Service::handle(xml::Element&& stanza) {
    if (!stanza::is_stanza(stanza)) return;
    // Addresses come from the router, checked there; they are still input.
    auto from = Jid::parse(stanza.attr("from"));
    auto to = Jid::parse(stanza.attr("to"));
    if (!from || !to || to->domain() != service_.jid) {
        log_.debug("{}: dropping <{}/> with bad addresses", service_.jid, stanza.name());
        return;
    }
    if (!to->has_node()) {
        handle_service(stanza);
        return;
    }
    handle_room(stanza, *from, *to);
}

void Service::handle_service(const xml::Element& stanza) {
    const std::string_view type = stanza.attr("type");
    switch (stanza::kind_of(stanza)) {
        case stanza::Kind::kIq: {
            if (type == "result" || type == "error") return;
            if (const std::string_view problem = stanza::iq_problem(stanza); !problem.empty()) {
                if (!stanza.attr("id").empty()) {
                    send(stanza::error_reply(stanza, "bad-request", problem));
                }
                return;
            }
            const xml::Element& payload = *stanza.first_element();
            const bool get = type == "get";
            if (get && payload.is("query", jng::ns::kDiscoInfo) && !payload.has_attr("node")) {
                send(service_info(stanza, service_));
            } else if (get && payload.is("query", jng::ns::kDiscoItems) &&
                       !payload.has_attr("node")) {
                send(service_items(stanza, rooms_));
            } else if (get && payload.is("ping", jng::ns::kPing)) {
                send(stanza::iq_result(stanza));
            } else {
                send(stanza::error_reply(stanza, "service-unavailable"));  // RFC 6120 §8.4
            }
            return;
        }
        case stanza::Kind::kMessage:
            if (stanza::can_bounce(stanza)) {
                send(stanza::error_reply(stanza, "service-unavailable",
                                         "messages go to a room, not to the service"));
            }
            return;
        case stanza::Kind::kPresence:
        case stanza::Kind::kOther:
            return;
    }
}

void Service::handle_room(const xml::Element& stanza, const Jid& from, const Jid& to) {
    const std::string node = to.node();
    const auto it = rooms_.find(node);
    Room* room = it == rooms_.end() ? nullptr : it->second.get();
    const stanza::Kind kind = stanza::kind_of(stanza);
    const bool joining = kind == stanza::Kind::kPresence && !stanza.has_attr("type") &&
                         to.has_resource() && (!room || !room->is_occupant(from));
    if (joining && !admit_join(stanza, from)) return;
    if (!room) {
        if (joining) {
            create(stanza, from, to);
        } else if (kind != stanza::Kind::kPresence && stanza::can_bounce(stanza)) {
            // §7.2.12 and after: no such room.
            send(stanza::error_reply(stanza, "item-not-found", "no such room"));
        }
        return;
    }
    switch (kind) {
        case stanza::Kind::kPresence: room->handle_presence(stanza, from, to); break;
        case stanza::Kind::kMessage: room->handle_message(stanza, from, to); break;
        case stanza::Kind::kIq:
            if (stanza.attr("type") == "set") {
                answer_when_stored(stanza, node, [&] { room->handle_iq(stanza, from, to); });
                return;
            }
            room->handle_iq(stanza, from, to);
            break;
        case stanza::Kind::kOther: break;
    }
    reconcile(node);
}

// An owner's or admin's change is answered once it is stored, so that what
// was acknowledged survives a crash of this daemon. If storing fails the
// change stays in effect and is retried, and the answer says so.
void Service::answer_when_stored(const xml::Element& request, const std::string& node,
                                 const std::function<void()>& handle) {
    answering_ = &request;
    handle();
    answering_ = nullptr;
    std::optional<xml::Element> answer = std::move(held_answer_);
    held_answer_.reset();
    if (!answer) {
        reconcile(node);
        return;
    }
    reconcile(node, [this, watch = lifeline_.watch(), answer = std::move(*answer),
                     request = request](const Status& stored) {
        if (!net::alive(watch)) return;
        if (stored) {
            send(answer);
        } else {
            send(stanza::error_reply(request, "internal-server-error",
                                     "the change is in effect but not yet stored: " +
                                         stored.message()));
        }
    });
}

void Service::create(const xml::Element& presence, const Jid& from, const Jid& to) {
    std::string refusal;
    if (to.resource().find_first_not_of(' ') == std::string::npos) {
        send(stanza::error_reply(presence, "jid-malformed", "a room is entered with a nick"));
        return;
    }
    if (!is_service_admin(from)) {
        if (config_.create == CreatePolicy::kAdmins) {
            refusal = "only administrators create rooms here";
        } else if (config_.limits.max_rooms_per_user > 0 &&
                   rooms_owned_by(from.bare_str()) >= config_.limits.max_rooms_per_user) {
            refusal = "you own " + std::to_string(config_.limits.max_rooms_per_user) +
                      " rooms already, the most this service allows";
        }
    }
    if (!refusal.empty()) {
        // §10.1.1: the service does not let this user create a room.
        send(stanza::error_reply(presence, "not-allowed", refusal));
        return;
    }
    // §10.1.1: a MUC client gets a locked room to configure (instant or
    // reserved, §10.1.2/§10.1.3); a groupchat 1.0 client, which cannot
    // configure, an instant room at once (§7.2.1).
    const bool muc_client = presence.child("x", ns::kMuc) != nullptr;
    auto room = std::make_unique<Room>(*this, to.bare(), config_.defaults,
                                       muc_client ? Room::State::kLocked : Room::State::kOpen,
                                       now());
    Room& r = *room;
    rooms_.emplace(to.node(), std::move(room));
    log_.info("{}: created by {}{}", r.jid().str(), from.str(), muc_client ? " (locked)" : "");
    r.create(presence, from, to.resource());
    reconcile(to.node());
}

bool Service::admit_join(const xml::Element& presence, const Jid& from) {
    if (is_service_admin(from)) return true;
    const std::string key = from.bare_str();
    const JoinLimiter::Verdict v = joins_.admit(key);
    if (v.admitted) return true;
    log_.info("{}: {} joins too often; refused for {} ms", service_.jid, key,
              v.retry_after.count());
    send(stanza::error_reply(presence, "resource-constraint",
                             "too many joins; try again in " +
                                 std::to_string(v.retry_after.count()) + " ms",
                             stanza::ErrorType::kWait));
    return false;
}

size_t Service::rooms_owned_by(const std::string& bare) const {
    size_t n = 0;
    for (const auto& [node, room] : rooms_) {
        if (room->stored_affiliation(bare) == Affiliation::kOwner) ++n;
    }
    return n;
}

void Service::reconcile(const std::string& node, RoomStore::Stored stored) {
    const auto it = rooms_.find(node);
    if (it == rooms_.end()) {
        if (stored) stored(Status{});
        return;
    }
    const Room& room = *it->second;
    const bool persistent = room.state() == Room::State::kOpen && room.config().persistent;
    const auto known = stored_revision_.find(node);
    if (persistent && (known == stored_revision_.end() || known->second != room.revision())) {
        store_.save(service_.jid, to_stored(room, config_.limits.config), std::move(stored));
        stored_revision_[node] = room.revision();
    } else if (!persistent && known != stored_revision_.end()) {
        store_.remove(service_.jid, node, std::move(stored));
        stored_revision_.erase(known);
    } else if (stored) {
        stored(Status{});  // nothing to write: nothing to wait for
    }
    if (room.finished()) {
        log_.debug("{}: room {} is gone", service_.jid, node);
        rooms_.erase(it);
    }
}

}  // namespace jng::muc
