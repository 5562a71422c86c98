// One client connection: the RFC 6120 stream from the first header through
// STARTTLS, SASL, resource binding and the active session, as one explicit
// state machine. Protocol pieces with more to them live beside it
// (sasl_auth, registration, bind); the Server owns the streams and the link
// to the session manager.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "jid.hpp"
#include "karma.hpp"
#include "net/loop.hpp"
#include "net/stream.hpp"
#include "xml/element.hpp"
#include "xml/stream_reader.hpp"

namespace jng::c2s {

class Server;
class SaslAuth;
class Registration;

class ClientStream {
public:
    enum class State {
        kAwaitingOpen,    // waiting for the client's stream header
        kNegotiating,     // features sent; STARTTLS, SASL or registration may follow
        kAuthenticating,  // a SASL exchange is running
        kAuthenticated,   // <success/> sent; the client restarts the stream
        kBindable,        // restarted after authentication: waiting for <bind/>
        kBinding,         // asked the session manager to start the session
        kActive,          // session running: stanzas flow to and from the sm
        kClosed,
    };

    ClientStream(Server& server, std::string id, std::unique_ptr<net::Stream> stream,
                 bool direct_tls);
    ~ClientStream();
    ClientStream(const ClientStream&) = delete;
    ClientStream& operator=(const ClientStream&) = delete;

    const std::string& id() const { return id_; }
    State state() const { return state_; }
    const std::string& peer() const { return stream_->peer(); }
    const std::string& domain() const { return domain_; }
    const std::optional<Jid>& jid() const { return jid_; }  // full JID once bound
    const std::string& sm() const { return sm_; }  // the sm holding our session
    bool tls_active() const { return stream_->tls() != nullptr; }
    net::Stream& transport() { return *stream_; }
    Server& server() { return server_; }

    // Writes one element to the client in the jabber:client stream.
    void send(const xml::Element& element);
    // Stream error, then close (RFC 6120 §4.9).
    void fail(std::string_view condition, std::string_view text = {});
    // Closes without an error (the server is stopping, or the client left).
    void close(std::string_view reason);

    // SASL finished: the authenticated user (bare) and the restart to come.
    void authenticated(Jid user);
    void authentication_failed();  // counts failures; closes after too many

    // From the session manager, through the Server.
    void session_started(const std::string& sm, std::string_view jid);
    void session_failed(std::string_view condition);
    void session_ended(std::string_view condition);
    // `bytes`: the stanza as received from the sm, when it can be written
    // out as it is (then `stanza` may be its head only).
    void deliver(xml::Element&& stanza, std::string_view bytes = {});

    // Frees the XML parser of a session that received nothing since the
    // last call (see StreamReader::hibernate_if_quiet).
    bool hibernate_if_quiet();

private:
    void set_state(State next);
    void on_data(std::string_view data);
    void on_open(const xml::StreamEvent& ev);
    void on_element(xml::Element&& element);
    void on_closed(std::string_view reason);
    void send_features();
    void write(std::string_view bytes);  // a stanza, with the output limit
    void start_tls();
    void handle_pre_auth(xml::Element&& element);
    void handle_bindable(xml::Element&& element);
    void handle_active(xml::Element&& element);
    void bind(const xml::Element& iq);
    void throttle(size_t bytes);

    Server& server_;
    std::string id_;
    std::unique_ptr<net::Stream> stream_;
    std::unique_ptr<xml::StreamReader> reader_;
    State state_ = State::kAwaitingOpen;
    std::string domain_;
    std::string lang_ = "en";
    std::optional<Jid> user_;  // authenticated bare JID
    std::optional<Jid> jid_;   // bound full JID
    std::string sm_;
    std::string bind_iq_id_;
    std::unique_ptr<SaslAuth> sasl_;
    std::unique_ptr<Registration> registration_;
    int auth_failures_ = 0;
    bool header_sent_ = false;  // our header for the current stream
    bool session_started_with_sm_ = false;
    TokenBucket karma_;
    net::Timer auth_timer_;
    net::Timer karma_timer_;
    net::Lifeline lifeline_;
};

std::string_view to_string(ClientStream::State s);

}  // namespace jng::c2s
