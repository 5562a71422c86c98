// ClientStream: the client's side of RFC 6120, phase by phase.
#include "client_stream.hpp"

#include "ns.hpp"
#include "random.hpp"
#include "registration.hpp"
#include "sasl_auth.hpp"
#include "server.hpp"
#include "stanza.hpp"
#include "xml/serializer.hpp"

namespace jng::c2s {

namespace {
constexpr xml::StreamContext kClientStream{ns::kClient};
}

std::string_view to_string(ClientStream::State s) {
    switch (s) {
        case ClientStream::State::kAwaitingOpen: return "awaiting-open";
        case ClientStream::State::kNegotiating: return "negotiating";
        case ClientStream::State::kAuthenticating: return "authenticating";
        case ClientStream::State::kAuthenticated: return "authenticated";
        case ClientStream::State::kBindable: return "bindable";
        case ClientStream::State::kBinding: return "binding";
        case ClientStream::State::kActive: return "active";
        case ClientStream::State::kClosed: return "closed";
    }
    return "?";
}

ClientStream::ClientStream(Server& server, std::string id, std::unique_ptr<net::Stream> stream,
                           bool direct_tls)
    : server_(server),
      id_(std::move(id)),
      stream_(std::move(stream)),
      karma_(server.config().karma_rate, server.config().karma_burst),
      auth_timer_(server.loop(), [this] { fail("connection-timeout", "not authenticated in time"); }),
      karma_timer_(server.loop(), [this] { stream_->resume_reading(); }) {
    reader_ = std::make_unique<xml::StreamReader>(
        xml::ReaderLimits{.max_stanza_bytes = server.config().max_stanza_bytes},
        std::string(ns::kClient), server.xml_names());
    net::Stream::Callbacks cb;
    cb.on_data = [this](std::string_view d) { on_data(d); };
    cb.on_close = [this](std::string_view reason) { on_closed(reason); };
    stream_->set_callbacks(std::move(cb));
    if (direct_tls) stream_->start_tls(server.tls_context()->new_session());
    auth_timer_.start(server.config().auth_timeout);
}

ClientStream::~ClientStream() = default;

void ClientStream::set_state(State next) {
    // The moves RFC 6120 allows, in order; anything else is a bug here.
    bool legal = false;
    switch (next) {
        case State::kAwaitingOpen:
            legal = state_ == State::kNegotiating || state_ == State::kAuthenticated;
            break;
        case State::kNegotiating:
            legal = state_ == State::kAwaitingOpen || state_ == State::kAuthenticating;
            break;
        case State::kAuthenticating: legal = state_ == State::kNegotiating; break;
        case State::kAuthenticated: legal = state_ == State::kAuthenticating; break;
        case State::kBindable:
            legal = state_ == State::kAwaitingOpen || state_ == State::kBinding;
            break;
        case State::kBinding: legal = state_ == State::kBindable; break;
        case State::kActive: legal = state_ == State::kBinding; break;
        case State::kClosed: legal = true; break;
    }
    if (!legal) {
        server_.log().error("client {}: illegal state change {} -> {}", id_, to_string(state_),
                            to_string(next));
    }
    state_ = next;
}

void ClientStream::send(const xml::Element& element) {
    if (state_ == State::kClosed || stream_->closing()) return;
    // A fresh string: a session keeps no buffer sized by its largest stanza.
    std::string out;
    xml::serialize(element, out, kClientStream);
    write(out);
}

void ClientStream::write(std::string_view out) {
    if (state_ == State::kClosed || stream_->closing()) return;
    stream_->write(out);
    if (stream_->pending_output() > server_.config().max_output_bytes) {
        server_.log().notice("client {} ({}) does not read its stream; closing", id_, peer());
        stream_->abort("output limit exceeded");
    }
}

bool ClientStream::hibernate_if_quiet() {
    if (state_ != State::kActive || !reader_ || !reader_->hibernate_if_quiet()) return false;
    server_.log().debug("client {}: quiet; XML parser freed until it sends again", id_);
    return true;
}

void ClientStream::fail(std::string_view condition, std::string_view text) {
    if (state_ == State::kClosed || stream_->closing()) return;
    server_.log().info("client {} ({}): stream error {}{}{}", id_, peer(), condition,
                       text.empty() ? "" : ": ", text);
    if (!header_sent_) {
        // RFC 6120 §4.9.1.1: the error goes inside a stream, so open one.
        xml::Element attrs("stream");
        attrs.set_attr("id", random_hex(8));
        attrs.set_attr("version", "1.0");
        stream_->write(xml::stream_header(ns::kClient, attrs));
    }
    stream_->write(xml::to_string(stanza::stream_error(condition, text), kClientStream));
    stream_->write(xml::kStreamClose);
    stream_->close(std::string("stream error ") + std::string(condition));
}

void ClientStream::close(std::string_view reason) {
    if (state_ == State::kClosed || stream_->closing()) return;
    stream_->write(xml::kStreamClose);
    stream_->close(reason);
}

void ClientStream::throttle(size_t bytes) {
    if (karma_.take(bytes)) return;
    stream_->pause_reading();
    karma_timer_.start(karma_.wait_time());
}

void ClientStream::on_data(std::string_view data) {
    const auto watch = lifeline_.watch();
    throttle(data.size());
    reader_->feed(data);
    while (auto ev = reader_->next()) {
        if (state_ == State::kClosed || stream_->closing()) return;
        switch (ev->kind) {
            case xml::StreamEvent::Kind::kOpen: on_open(*ev); break;
            case xml::StreamEvent::Kind::kElement:
                on_element(std::move(ev->element));
                if (!net::alive(watch)) return;
                break;
            case xml::StreamEvent::Kind::kClose: close("client closed its stream"); return;
            case xml::StreamEvent::Kind::kError: fail(ev->condition, ev->text); return;
        }
    }
}

void ClientStream::on_open(const xml::StreamEvent& ev) {
    if (state_ != State::kAwaitingOpen) {
        fail("bad-format", "unexpected stream header");
        return;
    }
    const std::string_view to = ev.element.attr("to");
    auto domain = jid::nameprep(to);
    // Open our stream first so that every error below travels inside it.
    domain_ = domain && server_.is_local_domain(*domain) ? *domain : server_.default_domain();
    xml::Element attrs("stream");
    attrs.set_attr("from", domain_);
    attrs.set_attr("id", random_hex(16));
    attrs.set_attr("version", "1.0");
    attrs.set_attr("xml:lang", "en");
    stream_->write(xml::stream_header(ns::kClient, attrs));
    header_sent_ = true;

    if (!ev.element.is("stream", ns::kStream) || ev.default_ns != ns::kClient) {
        fail("invalid-namespace");
        return;
    }
    if (to.empty() || !domain || !server_.is_local_domain(*domain)) {
        fail("host-unknown", to.empty() ? "no 'to' on the stream header" : "not served here");
        return;
    }
    // RFC 6120 §4.7.5: streams without version='1.0' are pre-RFC and have no
    // features; we do not speak that protocol.
    const std::string_view version = ev.element.attr("version");
    if (version.empty() || version.front() < '1') {
        fail("unsupported-version", "version='1.0' is required");
        return;
    }
    if (const std::string_view lang = ev.element.attr("xml:lang"); !lang.empty()) lang_ = lang;
    set_state(user_ ? State::kBindable : State::kNegotiating);
    send_features();
}

void ClientStream::send_features() {
    xml::Element features("features", ns::kStream);
    const bool tls = tls_active();
    if (!user_) {
        if (!tls && server_.tls_context()) {
            xml::Element& st = features.add("starttls", ns::kTls);
            if (server_.config().require_tls) st.add("required");
        }
        if (tls || !server_.config().require_tls) {
            const sasl::ChannelBindings cb = server_.channel_bindings(*stream_);
            xml::Element& mechs = features.add("mechanisms", ns::kSasl);
            for (const auto& m : server_.sasl().mechanisms(tls, cb)) {
                if (m == "PLAIN" && !server_.config().allow_plain) continue;
                mechs.add_text_child("mechanism", m);
            }
            // XEP-0440: which channel-binding types this connection offers.
            // tls-unique under TLS 1.3 is accepted from clients that use it,
            // never advertised (RFC 9266).
            if (cb.any()) {
                xml::Element& types = features.add("sasl-channel-binding", ns::kSaslCb);
                if (!cb.tls_exporter.empty()) {
                    types.add("channel-binding").set_attr("type", "tls-exporter");
                }
                if (stream_->tls()->channel_binding(tls::ChannelBinding::kTlsUnique)) {
                    types.add("channel-binding").set_attr("type", "tls-unique");
                }
            }
            if (server_.config().registration) features.add("register", ns::kRegisterFeature);
        }
    } else {
        features.add("bind", ns::kBind);
        // RFC 6121 §3.4 pre-approval; legacy session as optional (RFC 6121
        // dropped it, old clients still ask).
        features.add("sub", ns::kPreApproval);
        features.add("session", ns::kSession).add("optional");
    }
    send(features);
}

void ClientStream::on_element(xml::Element&& element) {
    switch (state_) {
        case State::kNegotiating:
        case State::kAuthenticating: handle_pre_auth(std::move(element)); return;
        case State::kBindable:
        case State::kBinding: handle_bindable(std::move(element)); return;
        case State::kActive: handle_active(std::move(element)); return;
        case State::kAuthenticated:
            fail("not-authorized", "restart the stream after SASL success");
            return;
        case State::kAwaitingOpen:
        case State::kClosed: return;
    }
}

void ClientStream::start_tls() {
    if (tls_active() || !server_.tls_context() || state_ != State::kNegotiating) {
        send(xml::Element("failure", ns::kTls));
        close("STARTTLS refused");
        return;
    }
    send(xml::Element("proceed", ns::kTls));
    stream_->start_tls(server_.tls_context()->new_session());
    // RFC 6120 §5.4.3.3: a fresh stream over TLS; whatever the client sent
    // after <starttls/> in the clear is discarded with the old parser.
    reader_->restart();
    header_sent_ = false;
    set_state(State::kAwaitingOpen);
}

void ClientStream::handle_pre_auth(xml::Element&& e) {
    if (e.ns() == ns::kTls && e.name() == "starttls") {
        start_tls();
        return;
    }
    if (e.ns() == ns::kSasl) {
        if (server_.config().require_tls && !tls_active()) {
            xml::Element failure("failure", ns::kSasl);
            failure.add("encryption-required");
            send(failure);
            return;
        }
        if (!sasl_) sasl_ = std::make_unique<SaslAuth>(*this);
        if (e.name() == "auth" && state_ == State::kNegotiating) set_state(State::kAuthenticating);
        sasl_->handle(e);
        return;
    }
    if (stanza::kind_of(e) == stanza::Kind::kIq && e.child("query", ns::kRegister)) {
        if (!server_.config().registration ||
            (server_.config().require_tls && !tls_active())) {
            send(stanza::error_reply(e, "service-unavailable"));
            return;
        }
        if (!registration_) registration_ = std::make_unique<Registration>(*this);
        registration_->handle(e);
        return;
    }
    // RFC 6120 §6.4.1 / §8.1: nothing is routed before authentication.
    fail(stanza::is_stanza(e) ? "not-authorized" : "unsupported-stanza-type",
         stanza::is_stanza(e) ? "authenticate first" : e.name());
}

void ClientStream::authenticated(Jid user) {
    server_.log().info("client {} ({}) authenticated as {}", id_, peer(), user.str());
    user_ = std::move(user);
    sasl_.reset();
    registration_.reset();
    set_state(State::kAuthenticated);
    reader_->restart();
    header_sent_ = false;
    set_state(State::kAwaitingOpen);
}

void ClientStream::authentication_failed() {
    // A stray SASL element (a <response/> with no exchange running) fails
    // without ever leaving negotiation.
    if (state_ == State::kAuthenticating) set_state(State::kNegotiating);
    if (++auth_failures_ >= server_.config().max_auth_failures) {
        fail("policy-violation", "too many authentication failures");
    }
}

void ClientStream::handle_bindable(xml::Element&& e) {
    if (stanza::kind_of(e) == stanza::Kind::kIq && e.attr("type") == "set" &&
        e.child("bind", ns::kBind)) {
        if (state_ == State::kBinding) {
            send(stanza::error_reply(e, "unexpected-request", "a bind is already in progress"));
            return;
        }
        bind(e);
        return;
    }
    if (stanza::is_stanza(e)) {
        // RFC 6120 §7.1: no stanzas before a resource is bound.
        fail("not-authorized", "bind a resource first");
        return;
    }
    fail("unsupported-stanza-type", e.name());
}

void ClientStream::bind(const xml::Element& iq) {
    const xml::Element* b = iq.child("bind", ns::kBind);
    std::string resource = b->child_text("resource");
    if (resource.empty()) {
        resource = random_token(12);  // RFC 6120 §7.6: server-generated
    } else {
        auto prepped = jid::resourceprep(resource);
        if (!prepped) {
            send(stanza::error_reply(iq, "bad-request", prepped.message()));
            return;
        }
        resource = std::move(*prepped);
    }
    bind_iq_id_ = iq.attr("id");
    set_state(State::kBinding);
    server_.start_session(*this, user_->with_resource(std::move(resource)));
}

void ClientStream::session_started(const std::string& sm, std::string_view jid_text) {
    if (state_ != State::kBinding) return;
    auto full = Jid::parse(jid_text);
    if (!full || full->bare() != *user_) {
        server_.log().error("session manager {} started {} for {}", sm, jid_text, user_->str());
        session_failed("internal-server-error");
        return;
    }
    jid_ = std::move(*full);
    sm_ = sm;
    session_started_with_sm_ = true;
    auth_timer_.stop();
    set_state(State::kActive);
    xml::Element result("iq", ns::kClient);
    result.set_attr("type", "result").set_attr("id", bind_iq_id_);
    result.add("bind", ns::kBind).add_text_child("jid", jid_->str());
    send(result);
    server_.log().info("client {} ({}) bound {} on {}", id_, peer(), jid_->str(), sm);
}

void ClientStream::session_failed(std::string_view condition) {
    if (state_ != State::kBinding) return;
    set_state(State::kBindable);
    xml::Element iq("iq", ns::kClient);
    iq.set_attr("type", "set").set_attr("id", bind_iq_id_);
    send(stanza::error_reply(iq, condition.empty() ? "internal-server-error" : condition));
}

void ClientStream::session_ended(std::string_view condition) {
    session_started_with_sm_ = false;
    fail(condition.empty() ? "reset" : condition,
         condition == "conflict" ? "replaced by a new connection" : "");
}

void ClientStream::deliver(xml::Element&& s, std::string_view bytes) {
    if (state_ != State::kActive) return;
    if (bytes.empty()) {
        send(s);
    } else {
        write(bytes);
    }
}

void ClientStream::handle_active(xml::Element&& e) {
    const stanza::Kind kind = stanza::kind_of(e);
    if (kind == stanza::Kind::kOther) {
        fail("unsupported-stanza-type", e.name());
        return;
    }
    if (kind == stanza::Kind::kIq && e.attr("type") == "set") {
        if (e.child("session", ns::kSession)) {
            send(stanza::iq_result(e));  // legacy session: nothing left to do
            return;
        }
        if (e.child("bind", ns::kBind)) {
            send(stanza::error_reply(e, "not-allowed", "one resource per stream"));
            return;
        }
    }
    // RFC 6120 §8.1.2.1: the server stamps the full JID; a client claiming to
    // be someone else is cut off.
    if (const std::string* from = e.find_attr("from")) {
        auto claimed = Jid::parse(*from);
        if (!claimed || (*claimed != *jid_ && *claimed != jid_->bare())) {
            fail("invalid-from");
            return;
        }
    }
    e.set_attr("from", jid_->str());
    if (const std::string* to = e.find_attr("to")) {
        auto target = Jid::parse(*to);
        if (!target) {
            // RFC 6120 §8.3.3.8: answer with jid-malformed, keep the stream.
            if (stanza::can_bounce(e)) {
                e.remove_attr("to");
                xml::Element reply = stanza::error_reply(e, "jid-malformed", target.message());
                reply.set_attr("from", domain_);
                send(reply);
            }
            return;
        }
        e.set_attr("to", target->str());
    }
    // RFC 6120 §8.2.3: checked at the door, so that nothing behind it answers
    // a malformed request as if it were a good one. Requests get bad-request
    // (as in Prosody); a broken result or error is dropped.
    if (kind == stanza::Kind::kIq) {
        if (const std::string_view problem = stanza::iq_problem(e); !problem.empty()) {
            if (stanza::can_bounce(e)) send(stanza::error_reply(e, "bad-request", problem));
            return;
        }
    }
    server_.to_sm(*this, std::move(e));
}

void ClientStream::on_closed(std::string_view reason) {
    const bool had_session = session_started_with_sm_;
    session_started_with_sm_ = false;
    set_state(State::kClosed);
    server_.log().debug("client {} ({}) closed: {}", id_, peer(), reason);
    if (had_session) server_.end_session(*this);
    server_.remove(*this);
}

}  // namespace jng::c2s
