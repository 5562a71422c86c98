// Everything we send to one remote domain. An OutRoute keeps a bounded queue
// per route, asks the resolver where the domain lives, tries its targets in
// order, and after the configured retries bounces what it holds. An OutConn
// is one stream to a remote server as the initiating entity: STARTTLS, SASL
// EXTERNAL with our certificate when offered (XEP-0178), otherwise Server
// Dialback (XEP-0220), for as many local domains as use it (multiplexing).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dialback.hpp"
#include "net/loop.hpp"
#include "server.hpp"
#include "wire.hpp"
#include "xml/element.hpp"

namespace jng::s2s {

class OutRoute;

class OutConn {
public:
    enum class State {
        kConnecting,        // TCP (and direct TLS) being set up
        kAwaitingOpen,      // our header sent, waiting for theirs
        kAwaitingFeatures,  // their header arrived
        kStartingTls,       // <starttls/> sent
        kSasl,              // <auth mechanism='EXTERNAL'/> sent
        kReady,             // negotiated: dialback and stanzas may flow
        kClosed,
    };
    enum class Auth { kNone, kPending, kValid, kFailed };

    OutConn(OutRoute& route, Server& server, std::string local, std::string remote,
            const Target& target);
    ~OutConn();
    OutConn(const OutConn&) = delete;
    OutConn& operator=(const OutConn&) = delete;

    State state() const { return state_; }
    // Negotiated and not closing: a stream that is going away takes no
    // more stanzas (they would be lost), the route queues them instead.
    bool ready() const { return state_ == State::kReady && !wire_->closing(); }
    Auth auth(std::string_view local) const;
    // Some local domain may send on this stream: it reached the server.
    bool authenticated() const;
    // Starts authenticating `local` on this stream (dialback); the route hears
    // the outcome through on_auth.
    void authenticate(const std::string& local);
    void send(const xml::Element& stanza) { wire_->send(stanza); }
    void send_verify(std::string_view receiving, std::string_view stream_id, std::string_view key);
    void close() { wire_->close("done"); }
    const Target& target() const { return target_; }

private:
    void set_state(State next);
    void connected();
    void open_stream();
    void on_open(const xml::StreamEvent& ev);
    void on_element(xml::Element&& element);
    void on_features(const xml::Element& features);
    void on_closed(std::string_view reason);

    OutRoute& route_;
    Server& server_;
    std::string local_;   // the stream's 'from'
    std::string remote_;
    Target target_;
    std::unique_ptr<Wire> wire_;
    State state_ = State::kConnecting;
    std::string stream_id_;  // the id the receiving server gave our stream
    bool dialback_offered_ = false;
    bool sasl_tried_ = false;
    std::map<std::string, Auth, std::less<>> auth_;
    net::Timer ready_timer_;  // the whole negotiation is bounded in time
    net::Lifeline lifeline_;
};

class OutRoute {
public:
    OutRoute(Server& server, std::string remote);
    ~OutRoute();
    OutRoute(const OutRoute&) = delete;
    OutRoute& operator=(const OutRoute&) = delete;

    const std::string& remote() const { return remote_; }

    // A stanza from `local` for the remote domain.
    void send(const std::string& local, xml::Element&& stanza);
    // Asks the remote (authoritative) server whether `key` is valid for the
    // stream `stream_id` it opened to our `receiving` domain.
    void verify(const std::string& receiving, const std::string& stream_id, const std::string& key,
                std::function<void(const dialback::Verdict&)> done);
    // Nothing queued, nothing pending, no connection: the route may go.
    bool idle() const;
    // The daemon stops: what is queued was never delivered; say so.
    void shutdown();

    // From the connection.
    void on_ready(OutConn& conn);
    // `local` may send (valid), or its stanzas bounce with `condition`.
    void on_auth(OutConn& conn, const std::string& local, bool valid,
                 std::string_view condition = {});
    void on_verify_answer(std::string_view stream_id, std::string_view from, std::string_view to,
                          const dialback::Verdict& verdict);
    void on_closed(OutConn& conn, std::string_view reason, bool was_ready);

private:
    enum class State { kIdle, kResolving, kConnecting, kConnected, kWaitingRetry };

    struct Queued {
        std::string local;
        xml::Element stanza;
        size_t bytes;
    };
    struct Verify {
        std::string receiving;
        std::string stream_id;
        std::string key;
        std::function<void(const dialback::Verdict&)> done;
        bool sent = false;
    };

    void start(const std::string& local);
    void try_target();
    void attempt_failed(std::string_view why, bool timeout);
    void flush(const std::string& local);
    void send_verifies();
    void bounce_local(const std::string& local, std::string_view condition);
    void fail_everything(std::string_view condition, std::string_view text);
    void release_connection();

    Server& server_;
    std::string remote_;
    State state_ = State::kIdle;
    std::string first_local_;  // the 'from' of the next stream we open
    std::unique_ptr<OutConn> conn_;
    std::vector<Target> targets_;
    size_t next_target_ = 0;
    int attempts_ = 0;
    bool timed_out_ = false;
    std::deque<Queued> queue_;
    size_t queue_bytes_ = 0;
    std::vector<Verify> verifies_;
    net::Timer retry_timer_;
    net::Lifeline lifeline_;
};

}  // namespace jng::s2s
