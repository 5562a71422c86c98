// One component connected to the router: its XEP-0114 stream from header to
// handshake to close, its karma, and the names it holds. What to do with
// each element once online is the Router's business.
#pragma once

#include <memory>
#include <string>

#include "router_config.hpp"
#include "karma.hpp"
#include "log.hpp"
#include "net/loop.hpp"
#include "net/stream.hpp"
#include "routing_table.hpp"
#include "string_map.hpp"
#include "xml/element.hpp"
#include "xml/stream_reader.hpp"

namespace jng::router {

class Router;

class ComponentConn {
public:
    enum class State { kAwaitingStream, kAwaitingHandshake, kOnline, kClosed };

    ComponentConn(Router& router, net::Loop& loop, Log& log, const RouterConfig& config, ConnId id,
                  std::unique_ptr<net::Stream> stream);
    ~ComponentConn();
    ComponentConn(const ComponentConn&) = delete;
    ComponentConn& operator=(const ComponentConn&) = delete;

    ConnId id() const { return id_; }
    State state() const { return state_; }
    const std::string& primary() const { return primary_; }  // empty until authenticated
    const std::string& peer() const { return stream_->peer(); }

    // Names this component holds (its primary name included).
    StringSet& names() { return names_; }
    const StringSet& names() const { return names_; }
    bool holds_default = false;
    bool subscriber = false;
    bool may_send_envelopes = false;  // from the ACL at handshake time

    // Elements from the component come as their head (name, attributes)
    // and their bytes, which is all relaying needs; this is the rest, for
    // the rare answer that quotes them.
    xml::Element whole(xml::Element&& head, std::string_view raw) const;

    void send(const xml::Element& element);
    // An element already serialized for a component stream.
    void send_raw(std::string_view bytes);
    // The component stopped reading and its queue is past the limit.
    bool congested() const;
    // Ends the stream with a stream error (RFC 6120 §4.9) and closes.
    void fail(std::string_view condition, std::string_view text = {});

private:
    void set_state(State next);
    void on_data(std::string_view data);
    void on_open(const xml::StreamEvent& ev);
    void on_handshake(const xml::Element& element);
    void throttle(size_t bytes);

    Router& router_;
    Log& log_;
    const RouterConfig& config_;
    ConnId id_;
    std::unique_ptr<net::Stream> stream_;
    xml::StreamReader reader_;
    State state_ = State::kAwaitingStream;
    std::string stream_id_;
    std::string requested_name_;
    std::string primary_;
    StringSet names_;
    TokenBucket karma_;
    net::Timer handshake_timer_;
    net::Timer karma_timer_;
    net::Timer keepalive_timer_;
    std::string out_;
    bool karma_logged_ = false;
    net::Lifeline lifeline_;
};

}  // namespace jng::router
