// A stream a remote server opened to us (RFC 6120 as the receiving entity):
// STARTTLS, SASL EXTERNAL when its certificate names its domain (XEP-0178),
// Server Dialback (XEP-0220) otherwise, and then stanzas - accepted only
// for domain pairs authenticated on this stream.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <utility>

#include "net/stream.hpp"
#include "wire.hpp"
#include "xml/element.hpp"

namespace jng::s2s {

class Server;

class InStream {
public:
    enum class State {
        kAwaitingOpen,  // waiting for the peer's stream header
        kNegotiating,   // features sent; TLS, SASL, dialback or stanzas may follow
        kClosed,
    };

    InStream(Server& server, uint64_t id, std::unique_ptr<net::Stream> stream, bool direct_tls);
    ~InStream();
    InStream(const InStream&) = delete;
    InStream& operator=(const InStream&) = delete;

    uint64_t id() const { return id_; }
    const std::string& peer() const { return wire_.peer(); }
    State state() const { return state_; }
    void shutdown() { wire_.fail("system-shutdown"); }

private:
    void set_state(State next);
    void on_open(const xml::StreamEvent& ev);
    void on_element(xml::Element&& element);
    void on_closed(std::string_view reason);
    void send_features();
    void start_tls();
    void sasl(const xml::Element& element);
    void dialback_result(const xml::Element& element);
    void dialback_verify(const xml::Element& element);
    void stanza(xml::Element&& element);
    bool authenticated(std::string_view from_domain, std::string_view to_domain) const;

    Server& server_;
    uint64_t id_;
    Wire wire_;
    State state_ = State::kAwaitingOpen;
    std::string stream_id_;
    std::string local_;        // the 'to' of the stream header
    std::string peer_domain_;  // the 'from' of the stream header, if any
    bool sasl_done_ = false;
    // (remote domain, local domain) pairs this stream may carry (RFC 6120
    // §13.7.1.2, XEP-0220 §2.1.2 - several with dialback multiplexing).
    std::set<std::pair<std::string, std::string>> pairs_;
    int pending_verifications_ = 0;
    net::Timer auth_timer_;
    net::Lifeline lifeline_;
};

}  // namespace jng::s2s
