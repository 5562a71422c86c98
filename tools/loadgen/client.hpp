// One simulated XMPP client: connects, negotiates the stream as a real
// client does (STARTTLS or direct TLS, SASL, bind, roster get, initial
// presence), waiting for every reply, then carries the scenario's stanzas.
// Every step has a timeout, so a server that stops answering costs one
// error, never a hang.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "address.hpp"
#include "connector.hpp"
#include "net/loop.hpp"
#include "net/stream.hpp"
#include "options.hpp"
#include "sasl_client.hpp"
#include "tls/tls.hpp"
#include "xml/element.hpp"
#include "xml/shared_names.hpp"
#include "xml/stream_reader.hpp"

namespace jng::loadgen {

using Clock = std::chrono::steady_clock;

// Microseconds on the steady clock: what latency timestamps in stanzas carry
// (sender and receiver are in the same process).
uint64_t now_us();

// What every client of a run shares.
struct ClientSetup {
    net::Loop* loop = nullptr;
    tls::Context* tls = nullptr;  // null with TlsMode::kNone
    SaslLibrary* sasl = nullptr;
    SourcePool* sources = nullptr;
    Endpoint target;
    std::string domain;
    TlsMode tls_mode = TlsMode::kStartTls;
    Mechanism mech = Mechanism::kScramSha256;
    std::chrono::milliseconds step_timeout{15000};
    // The login ends at the reply to a ping sent after the initial presence
    // (jabberd2 does not echo a session's initial presence to itself).
    bool login_ping = false;
    // One name dictionary for every client's parser, as c2s shares one: a
    // dictionary per connection is 4 KB and thousands of them defeat the
    // cache on every name looked up.
    std::shared_ptr<xml::SharedNames> xml_names;
};

// The login's milestones, for the per-phase latency breakdown.
enum class Phase { kConnect, kTls, kSasl, kBind, kRoster, kPresence, kCount };
std::string_view phase_name(Phase p);

struct RosterItem {
    std::string jid;           // bare
    std::string subscription;  // none, to, from, both
    bool ask = false;          // a subscription request of ours is pending
};

class Client {
public:
    enum class State {
        kIdle,
        kConnecting,      // TCP
        kOpening,         // stream header sent, waiting for the features
        kStartTls,        // <starttls/> sent, waiting for <proceed/>
        kAuthenticating,  // SASL exchange
        kBinding,         // resource binding
        kSession,         // legacy session (servers that still require it)
        kRoster,          // roster get
        kPresence,        // initial presence sent, waiting for its echo
        kOnline,
        kClosing,         // </stream:stream> sent, waiting for the server's
        kClosed,
    };

    struct Callbacks {
        std::function<void(Client&)> on_online;
        // Stanzas once the session is up (from initial presence on).
        std::function<void(Client&, xml::Element&)> on_stanza;
        // The last thing a Client does: `error` is empty after a clean close.
        // The owner destroys the Client later (Loop::defer), not inside.
        std::function<void(Client&, const std::string& error)> on_closed;
    };

    Client(const ClientSetup& setup, Account account, size_t index, Callbacks callbacks);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void start();
    // Ends the stream politely; on_closed follows.
    void close();
    // Drops the connection now; on_closed follows with `reason` as error.
    void abort(std::string_view reason);

    void send(const xml::Element& stanza);
    void send_raw(std::string_view text);  // whitespace keepalives

    State state() const { return state_; }
    bool online() const { return state_ == State::kOnline; }
    size_t index() const { return index_; }
    const Account& account() const { return account_; }
    const std::string& bare_jid() const { return bare_jid_; }
    const std::string& full_jid() const { return full_jid_; }

    // Keep the roster the login fetched (presence and roster scenarios).
    void keep_roster(bool keep) { keep_roster_ = keep; }
    const std::vector<RosterItem>& roster() const { return roster_; }
    std::vector<RosterItem>& roster() { return roster_; }

    Clock::time_point started() const { return started_; }
    // When each phase ended (zero time_point: not reached).
    const std::array<Clock::time_point, static_cast<size_t>(Phase::kCount)>& milestones() const {
        return milestones_;
    }

    static std::string_view state_name(State s);

private:
    void move_to(State next);
    void mark(Phase p) { milestones_[static_cast<size_t>(p)] = Clock::now(); }
    void fail(std::string reason);
    void finish(std::string error);

    void on_connected(std::unique_ptr<net::Stream> stream);
    void on_data(std::string_view data);
    void on_stream_closed(std::string_view reason);
    void on_element(xml::Element& e);
    void open_stream();
    void on_features(const xml::Element& features);
    void start_sasl(const xml::Element& features);
    void on_sasl(const xml::Element& e);
    void on_iq_reply(xml::Element& iq);
    void after_bind();
    void send_roster_get();
    void send_initial_presence();
    void answer_iq(const xml::Element& iq);
    void arm_timer();

    const ClientSetup& setup_;
    Account account_;
    size_t index_;
    Callbacks callbacks_;
    State state_ = State::kIdle;

    std::unique_ptr<Connector> connector_;
    std::unique_ptr<net::Stream> stream_;
    std::unique_ptr<xml::StreamReader> reader_;
    std::unique_ptr<SaslClient> sasl_;
    net::Timer timer_;
    std::string out_;  // serialization buffer

    bool tls_done_ = false;
    bool authenticated_ = false;
    bool session_required_ = false;
    bool keep_roster_ = false;
    bool closed_ = false;
    std::string pending_error_;  // why the connection is being dropped
    std::string bare_jid_;
    std::string full_jid_;
    std::vector<RosterItem> roster_;

    Clock::time_point started_{};
    std::array<Clock::time_point, static_cast<size_t>(Phase::kCount)> milestones_{};
    net::Lifeline lifeline_;
};

}  // namespace jng::loadgen
