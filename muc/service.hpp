// One MUC service (conference.example.com): a plain XEP-0114 component of
// its own at the router, the rooms under it, and what belongs to the service
// rather than a room - its disco, room creation and its limits, the join
// rate, and keeping persistent rooms in storage.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "component/link.hpp"
#include "join_limiter.hpp"
#include "log.hpp"
#include "muc_config.hpp"
#include "net/loop.hpp"
#include "room.hpp"
#include "room_store.hpp"
#include "xml/element.hpp"

namespace jng::muc {

class Service final : public RoomHost {
public:
    using Sender = std::function<void(const xml::Element&)>;

    Service(net::Loop& loop, Log& log, const MucConfig& config, ServiceConfig service,
            RoomStore& store, std::function<void()> on_first_ready);
    ~Service() override;
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // Loads the stored rooms (waiting for the database as long as it
    // takes), then connects to the router under the service's name.
    void start();
    // Every occupant leaves with status 332; then the router link closes.
    void shutdown();

    // One stanza addressed to the service or one of its rooms. Public so
    // that tests can drive the service without a router.
    void handle(xml::Element&& stanza);
    void set_sender(Sender sender) { send_ = std::move(sender); }

    const std::string& jid() const { return service_.jid; }
    const std::map<std::string, std::unique_ptr<Room>>& rooms() const { return rooms_; }

    // RoomHost
    void send(xml::Element stanza) override;
    TimePoint now() const override { return SystemClock::now(); }
    const ServiceLimits& limits() const override { return config_.limits; }
    bool is_service_admin(const Jid& user) const override;
    Log& log() override { return log_; }

private:
    void load();
    void restore(const std::vector<storage::MucRoom>& stored);
    void connect();
    void handle_service(const xml::Element& stanza);
    void handle_room(const xml::Element& stanza, const Jid& from, const Jid& to);
    void create(const xml::Element& presence, const Jid& from, const Jid& to);
    bool admit_join(const xml::Element& presence, const Jid& from);
    size_t rooms_owned_by(const std::string& bare) const;
    void answer_when_stored(const xml::Element& request, const std::string& node,
                            const std::function<void()>& handle);
    // After each stanza: stores a persistent room that changed, forgets one
    // that stopped being persistent, drops a room that is finished.
    // `stored` runs when what this stanza changed is in the database (at
    // once when nothing needed writing).
    void reconcile(const std::string& node, RoomStore::Stored stored = {});

    net::Loop& loop_;
    Log& log_;
    const MucConfig& config_;
    ServiceConfig service_;
    RoomStore& store_;
    std::function<void()> on_first_ready_;
    Sender send_;
    const xml::Element* answering_ = nullptr;  // an iq set being handled
    std::optional<xml::Element> held_answer_;  // its answer, until stored
    std::unique_ptr<component::Link> link_;
    std::map<std::string, std::unique_ptr<Room>> rooms_;     // by node
    std::map<std::string, uint64_t> stored_revision_;        // persistent rooms, by node
    JoinLimiter joins_;  // by bare JID
    net::Timer purge_timer_;
    net::Timer load_timer_;
    std::chrono::milliseconds load_backoff_;
    bool load_failed_before_ = false;
    bool ready_ = false;
    bool stopping_ = false;
    net::Lifeline lifeline_;
};

}  // namespace jng::muc
