// A daemon's connection to the router (XEP-0114 plus our extension):
// connects, authenticates, binds its names, and keeps doing so - after a
// router restart or a network failure it reconnects with backoff and binds
// again, forever, logging why it waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "component/protocol.hpp"
#include "config.hpp"
#include "log.hpp"
#include "net/loop.hpp"
#include "net/stream.hpp"
#include "xml/element.hpp"
#include "xml/stream_reader.hpp"

namespace jng::component {

struct LinkConfig {
    std::string host = "127.0.0.1";
    uint16_t port = 5347;
    std::string name;    // primary name, as in router-users.xml
    std::string secret;
    struct Bind {
        std::string name;
        bool multi = false;
    };
    std::vector<Bind> binds;
    bool default_route = false;
    bool subscribe_names = false;
    std::chrono::milliseconds backoff_min{250};
    std::chrono::milliseconds backoff_max{10000};
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds keepalive{60000};
    // Stanzas queued while the link is down, flushed when it is back.
    size_t queue_limit_bytes = 8 * 1024 * 1024;
    xml::ReaderLimits limits{.max_stanza_bytes = 1024 * 1024};
};

class Link {
public:
    enum class State { kIdle, kConnecting, kHandshake, kBinding, kReady, kBackoff };

    struct Handlers {
        std::function<void()> on_ready;  // authenticated and every name bound
        std::function<void()> on_lost;   // was ready, connection gone
        std::function<void(xml::Element&&)> on_stanza;  // stanzas and envelopes
        // For a daemon that relays what envelopes carry without reading it:
        // when set, an envelope whose one payload's bytes stand on their own
        // (xml::StreamEvent::child_spans) comes here with them, its payload
        // read as a head only (name, namespace, attributes); everything else
        // still comes whole to on_stanza.
        std::function<void(xml::Element&& envelope, std::string_view payload)> on_route_bytes;
        std::function<void(const NamePresence&)> on_name;
        std::function<void()> on_names_synced;  // the first listing is complete
    };

    Link(net::Loop& loop, Log& log, LinkConfig config, Handlers handlers);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    void start();
    void stop();

    // Sends now when ready; otherwise queues (bounded). False when dropped.
    bool send(const xml::Element& element);
    // send(make_route(address, payload)), without copying the payload.
    bool send_route(const RouteAddress& address, const xml::Element& payload);

    State state() const { return state_; }
    bool ready() const { return state_ == State::kReady; }
    const LinkConfig& config() const { return config_; }

private:
    void set_state(State next);
    void connect();
    void on_data(std::string_view data);
    void on_closed(std::string_view reason);
    void handle(xml::Element&& element, std::string_view payload);
    void handle_bind_answer(const xml::Element& element);
    void send_binds();
    void become_ready();
    void schedule_retry(std::string_view why);
    void write_now(const xml::Element& element);
    bool send_written();  // what out_ holds
    void flush_queue();

    net::Loop& loop_;
    Log& log_;
    LinkConfig config_;
    Handlers handlers_;
    State state_ = State::kIdle;
    std::unique_ptr<net::Stream> stream_;
    std::unique_ptr<net::Stream> closing_;  // after stop(), until its output is flushed
    std::unique_ptr<xml::StreamReader> reader_;
    net::Timer retry_timer_;
    net::Timer handshake_timer_;
    net::Timer keepalive_timer_;
    std::chrono::milliseconds backoff_;
    size_t binds_pending_ = 0;
    std::deque<std::string> queue_;
    size_t queue_bytes_ = 0;
    size_t dropped_ = 0;
    bool waiting_logged_ = false;
    std::string out_;
    net::Lifeline lifeline_;
};

std::string_view to_string(Link::State s);

// Reads the <router address= port= secret=/> block every daemon's config has.
void read_link_config(config::Reader& reader, LinkConfig& link);

}  // namespace jng::component
