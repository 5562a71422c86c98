// The client state machine: one function moves between states, each reply
// of the server is handled in the state that waits for it.
#include "client.hpp"

#include <algorithm>

#include "ns.hpp"
#include "stanza.hpp"
#include "xml/serializer.hpp"

namespace jng::loadgen {

namespace {

constexpr std::string_view kBindId = "lg-bind";
constexpr std::string_view kSessionId = "lg-session";
constexpr std::string_view kRosterId = "lg-roster";
constexpr std::string_view kLoginPingId = "lg-login-ping";
constexpr xml::StreamContext kClientStream{ns::kClient};

// The first child element's name: a SASL failure condition, a stream error
// condition.
std::string first_child_name(const xml::Element& e) {
    for (const auto& c : e.elements()) {
        if (c.name() != "text") return c.name();
    }
    return "unknown";
}

}  // namespace

uint64_t now_us() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count());
}

std::string_view phase_name(Phase p) {
    switch (p) {
        case Phase::kConnect: return "connect";
        case Phase::kTls: return "tls";
        case Phase::kSasl: return "sasl";
        case Phase::kBind: return "bind";
        case Phase::kRoster: return "roster";
        case Phase::kPresence: return "presence";
        case Phase::kCount: break;
    }
    return "?";
}

std::string_view Client::state_name(State s) {
    switch (s) {
        case State::kIdle: return "idle";
        case State::kConnecting: return "connecting";
        case State::kOpening: return "opening";
        case State::kStartTls: return "starttls";
        case State::kAuthenticating: return "authenticating";
        case State::kBinding: return "binding";
        case State::kSession: return "session";
        case State::kRoster: return "roster";
        case State::kPresence: return "presence";
        case State::kOnline: return "online";
        case State::kClosing: return "closing";
        case State::kClosed: return "closed";
    }
    return "?";
}

Client::Client(const ClientSetup& setup, Account account, size_t index, Callbacks callbacks)
    : setup_(setup),
      account_(std::move(account)),
      index_(index),
      callbacks_(std::move(callbacks)),
      timer_(*setup.loop, [this] { fail("timeout:" + std::string(state_name(state_))); }) {}

Client::~Client() = default;

void Client::move_to(State next) {
    // The legal moves; closing and failing are possible from anywhere and
    // handled by close() and finish().
    bool ok = false;
    switch (state_) {
        case State::kIdle: ok = next == State::kConnecting; break;
        case State::kConnecting: ok = next == State::kOpening; break;
        case State::kOpening:
            ok = next == State::kStartTls || next == State::kAuthenticating || next == State::kBinding;
            break;
        case State::kStartTls:
        case State::kAuthenticating: ok = next == State::kOpening; break;
        case State::kBinding: ok = next == State::kSession || next == State::kRoster; break;
        case State::kSession: ok = next == State::kRoster; break;
        case State::kRoster: ok = next == State::kPresence; break;
        case State::kPresence: ok = next == State::kOnline; break;
        case State::kOnline:
        case State::kClosing:
        case State::kClosed: break;
    }
    if (next == State::kClosing) ok = state_ != State::kClosed;
    if (!ok) {
        fail("internal:illegal move " + std::string(state_name(state_)) + "->" +
             std::string(state_name(next)));
        return;
    }
    state_ = next;
    arm_timer();
}

void Client::arm_timer() {
    if (state_ == State::kOnline || state_ == State::kClosed) {
        timer_.stop();
    } else {
        timer_.start(setup_.step_timeout);
    }
}

void Client::start() {
    started_ = Clock::now();
    move_to(State::kConnecting);
    connector_ = std::make_unique<Connector>(
        *setup_.loop, [this](std::unique_ptr<net::Stream> s) { on_connected(std::move(s)); },
        [this](std::string reason) { fail(std::move(reason)); });
    connector_->start(setup_.target, setup_.sources ? setup_.sources->next() : nullptr,
                      setup_.step_timeout);
}

void Client::on_connected(std::unique_ptr<net::Stream> stream) {
    connector_.reset();
    stream_ = std::move(stream);
    mark(Phase::kConnect);
    stream_->set_callbacks({
        .on_data = [this](std::string_view d) { on_data(d); },
        .on_close = [this](std::string_view reason) { on_stream_closed(reason); },
        .on_connected = {},
    });
    reader_ = std::make_unique<xml::StreamReader>(xml::ReaderLimits{}, std::string(ns::kClient),
                                                  setup_.xml_names);
    if (setup_.tls_mode == TlsMode::kDirect) {
        stream_->start_tls(setup_.tls->new_session(setup_.domain));
        tls_done_ = true;
    }
    open_stream();
    move_to(State::kOpening);
}

void Client::open_stream() {
    xml::Element attrs;
    attrs.set_attr("to", setup_.domain);
    attrs.set_attr("version", "1.0");
    attrs.set_attr("xml:lang", "en");
    stream_->write(xml::stream_header(ns::kClient, attrs));
}

void Client::send(const xml::Element& stanza) {
    if (!stream_ || closed_ || state_ == State::kClosing) return;
    out_.clear();
    xml::serialize(stanza, out_, kClientStream);
    stream_->write(out_);
}

void Client::send_raw(std::string_view text) {
    if (stream_ && !closed_ && state_ != State::kClosing) stream_->write(text);
}

void Client::close() {
    if (closed_ || state_ == State::kClosing) return;
    if (!stream_) {
        abort("closed while connecting");
        return;
    }
    stream_->write(xml::kStreamClose);
    move_to(State::kClosing);
}

void Client::abort(std::string_view reason) { fail(std::string(reason)); }

void Client::fail(std::string reason) {
    if (closed_) return;
    if (!stream_) {
        connector_.reset();
        finish(std::move(reason));
        return;
    }
    if (stream_->closing()) return;  // the first reason stands
    timer_.stop();
    state_ = State::kClosed;
    pending_error_ = std::move(reason);
    stream_->abort(pending_error_);
}

void Client::on_stream_closed(std::string_view reason) {
    if (!pending_error_.empty()) {
        finish(std::move(pending_error_));
    } else if (state_ == State::kClosing) {
        finish({});
    } else {
        finish("closed:" + std::string(state_name(state_)) + ": " + std::string(reason));
    }
}

void Client::finish(std::string error) {
    if (closed_) return;
    closed_ = true;
    state_ = State::kClosed;
    timer_.stop();
    if (callbacks_.on_closed) callbacks_.on_closed(*this, error);
}

void Client::on_data(std::string_view data) {
    if (closed_ || state_ == State::kClosed) return;
    reader_->feed(data);
    while (!closed_ && state_ != State::kClosed) {
        auto ev = reader_->next();
        if (!ev) break;
        switch (ev->kind) {
            case xml::StreamEvent::Kind::kOpen:
                if (!ev->element.is("stream", ns::kStream)) {
                    fail("stream:bad header");
                    return;
                }
                break;
            case xml::StreamEvent::Kind::kElement: on_element(ev->element); break;
            case xml::StreamEvent::Kind::kClose:
                if (state_ == State::kClosing) {
                    stream_->close("stream closed");
                } else {
                    fail("closed-by-server:" + std::string(state_name(state_)));
                }
                return;
            case xml::StreamEvent::Kind::kError: fail("xml:" + ev->condition); return;
        }
    }
}

void Client::on_element(xml::Element& e) {
    if (e.is("error", ns::kStream)) {
        fail("stream-error:" + first_child_name(e));
        return;
    }
    switch (state_) {
        case State::kOpening:
            if (!e.is("features", ns::kStream)) {
                fail("opening:unexpected <" + e.name() + "/>");
                return;
            }
            on_features(e);
            return;
        case State::kStartTls:
            if (!e.is("proceed", ns::kTls)) {
                fail("tls:" + e.name());
                return;
            }
            stream_->start_tls(setup_.tls->new_session(setup_.domain));
            tls_done_ = true;
            reader_->restart();
            open_stream();
            move_to(State::kOpening);
            return;
        case State::kAuthenticating:
            if (e.ns() != ns::kSasl) {
                fail("sasl:unexpected <" + e.name() + "/>");
                return;
            }
            on_sasl(e);
            return;
        case State::kBinding:
        case State::kSession:
        case State::kRoster:
            if (stanza::kind_of(e) == stanza::Kind::kIq &&
                (e.attr("type") == "result" || e.attr("type") == "error")) {
                on_iq_reply(e);
                return;
            }
            if (stanza::kind_of(e) == stanza::Kind::kIq) answer_iq(e);
            return;  // nothing else is expected before the session is up
        case State::kPresence:
            if (setup_.login_ping ? stanza::kind_of(e) == stanza::Kind::kIq && e.attr("id") == kLoginPingId &&
                                        (e.attr("type") == "result" || e.attr("type") == "error")
                                  : stanza::kind_of(e) == stanza::Kind::kPresence && e.attr("from") == full_jid_ &&
                                        e.attr("type").empty()) {
                mark(Phase::kPresence);
                move_to(State::kOnline);
                if (callbacks_.on_online) callbacks_.on_online(*this);
                return;
            }
            [[fallthrough]];
        case State::kOnline:
            if (stanza::kind_of(e) == stanza::Kind::kIq) answer_iq(e);
            if (callbacks_.on_stanza) callbacks_.on_stanza(*this, e);
            return;
        case State::kIdle:
        case State::kConnecting:
        case State::kClosing:
        case State::kClosed: return;
    }
}

void Client::on_features(const xml::Element& features) {
    if (!tls_done_ && setup_.tls_mode == TlsMode::kStartTls) {
        if (!features.child("starttls", ns::kTls)) {
            fail("tls:starttls not offered");
            return;
        }
        send(xml::Element("starttls", ns::kTls));
        move_to(State::kStartTls);
        return;
    }
    if (!authenticated_) {
        mark(Phase::kTls);
        start_sasl(features);
        return;
    }
    mark(Phase::kSasl);
    if (!features.child("bind", ns::kBind)) {
        fail("bind:not offered");
        return;
    }
    const xml::Element* session = features.child("session", ns::kSession);
    session_required_ = session && !session->child("optional");
    xml::Element iq("iq", ns::kClient);
    iq.set_attr("type", "set").set_attr("id", kBindId);
    iq.add("bind", ns::kBind);  // the server picks the resource: no conflicts
    send(iq);
    move_to(State::kBinding);
}

void Client::start_sasl(const xml::Element& features) {
    const std::string_view mech = mechanism_name(setup_.mech);
    const xml::Element* mechs = features.child("mechanisms", ns::kSasl);
    bool offered = false;
    if (mechs) {
        for (const auto& m : mechs->elements()) offered = offered || m.text() == mech;
    }
    if (!offered) {
        fail("sasl:" + std::string(mech) + " not offered");
        return;
    }
    auto client = SaslClient::start(*setup_.sasl, mech, account_.node, account_.password);
    if (!client) {
        fail("sasl:" + client.message());
        return;
    }
    sasl_ = std::move(*client);
    auto first = sasl_->initial_response();
    if (!first) {
        fail("sasl:" + first.message());
        return;
    }
    xml::Element auth("auth", ns::kSasl);
    auth.set_attr("mechanism", mech);
    auth.add_text(*first);
    send(auth);
    move_to(State::kAuthenticating);
}

void Client::on_sasl(const xml::Element& e) {
    if (e.name() == "challenge") {
        auto r = sasl_->respond(e.text());
        if (!r) {
            fail("sasl:" + r.message());
            return;
        }
        xml::Element resp("response", ns::kSasl);
        resp.add_text(*r);
        send(resp);
        arm_timer();
        return;
    }
    if (e.name() == "success") {
        if (auto st = sasl_->verify_success(e.text()); !st) {
            fail("sasl:server not verified: " + st.message());
            return;
        }
        sasl_.reset();
        authenticated_ = true;
        reader_->restart();
        open_stream();
        move_to(State::kOpening);
        return;
    }
    if (e.name() == "failure") {
        fail("sasl:" + first_child_name(e));
        return;
    }
    fail("sasl:unexpected <" + e.name() + "/>");
}

void Client::on_iq_reply(xml::Element& iq) {
    const std::string_view id = iq.attr("id");
    const bool error = iq.attr("type") == "error";
    if (state_ == State::kBinding && id == kBindId) {
        if (error) {
            fail("bind:" + stanza::error_condition(iq));
            return;
        }
        const xml::Element* bind = iq.child("bind", ns::kBind);
        full_jid_ = bind ? bind->child_text("jid", ns::kBind) : std::string();
        if (full_jid_.empty()) {
            fail("bind:no jid in the result");
            return;
        }
        bare_jid_ = full_jid_.substr(0, full_jid_.find('/'));
        mark(Phase::kBind);
        after_bind();
        return;
    }
    if (state_ == State::kSession && id == kSessionId) {
        if (error) {
            fail("session:" + stanza::error_condition(iq));
            return;
        }
        send_roster_get();
        return;
    }
    if (state_ == State::kRoster && id == kRosterId) {
        if (error) {
            fail("roster:" + stanza::error_condition(iq));
            return;
        }
        if (keep_roster_) {
            if (const xml::Element* q = iq.child("query", ns::kRoster)) {
                for (const auto& item : q->elements()) {
                    if (item.name() != "item") continue;
                    roster_.push_back({std::string(item.attr("jid")),
                                       std::string(item.attr("subscription", "none")),
                                       item.attr("ask") == "subscribe"});
                }
            }
        }
        mark(Phase::kRoster);
        send_initial_presence();
    }
}

void Client::after_bind() {
    if (session_required_) {
        xml::Element iq("iq", ns::kClient);
        iq.set_attr("type", "set").set_attr("id", kSessionId);
        iq.add("session", ns::kSession);
        send(iq);
        move_to(State::kSession);
        return;
    }
    send_roster_get();
}

void Client::send_roster_get() {
    xml::Element iq("iq", ns::kClient);
    iq.set_attr("type", "get").set_attr("id", kRosterId);
    iq.add("query", ns::kRoster);
    send(iq);
    move_to(State::kRoster);
}

void Client::send_initial_presence() {
    send(xml::Element("presence", ns::kClient));
    if (setup_.login_ping) {
        // Behind the presence on the same stream: its reply says the server
        // has dealt with the presence.
        xml::Element ping("iq", ns::kClient);
        ping.set_attr("type", "get").set_attr("to", setup_.domain).set_attr("id", kLoginPingId);
        ping.add("ping", ns::kPing);
        send(ping);
    }
    move_to(State::kPresence);
}

void Client::answer_iq(const xml::Element& iq) {
    const std::string_view type = iq.attr("type");
    if (type != "get" && type != "set") return;
    // RFC 6121 §2.1.6: roster pushes are acknowledged; XEP-0199 pings
    // answered; anything else is not something this client does.
    const bool known = iq.child("query", ns::kRoster) || iq.child("ping", ns::kPing);
    xml::Element reply = known ? stanza::iq_result(iq) : stanza::error_reply(iq, "service-unavailable");
    reply.remove_attr("from");
    if (const std::string_view from = iq.attr("from"); !from.empty()) reply.set_attr("to", from);
    send(reply);
}

}  // namespace jng::loadgen
