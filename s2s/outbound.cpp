// OutConn and OutRoute: the initiating side of server-to-server streams.
#include "outbound.hpp"

#include <algorithm>

#include "dialback.hpp"
#include "identity.hpp"
#include "jid.hpp"
#include "ns.hpp"
#include "sasl/encoding.hpp"
#include "stanza.hpp"

namespace jng::s2s {

namespace {

std::string_view to_string(OutConn::State s) {
    switch (s) {
        case OutConn::State::kConnecting: return "connecting";
        case OutConn::State::kAwaitingOpen: return "awaiting-open";
        case OutConn::State::kAwaitingFeatures: return "awaiting-features";
        case OutConn::State::kStartingTls: return "starting-tls";
        case OutConn::State::kSasl: return "sasl";
        case OutConn::State::kReady: return "ready";
        case OutConn::State::kClosed: return "closed";
    }
    return "?";
}

}  // namespace

// ---- OutConn --------------------------------------------------------------

OutConn::OutConn(OutRoute& route, Server& server, std::string local, std::string remote,
                 const Target& target)
    : route_(route),
      server_(server),
      local_(std::move(local)),
      remote_(std::move(remote)),
      target_(target),
      ready_timer_(server.loop(), [this] {
          wire_->fail("connection-timeout", "stream negotiation took too long");
      }) {
    auto stream = net::Stream::connect(server.loop(), target.address, target.port,
                                       std::chrono::duration_cast<std::chrono::milliseconds>(
                                           server.config().connect_timeout));
    wire_ = std::make_unique<Wire>(
        server.loop(), std::move(stream), wire_limits(server.config()),
        Wire::Handlers{[this] { connected(); },
                       [this](const xml::StreamEvent& ev) { on_open(ev); },
                       [this](xml::Element&& e) { on_element(std::move(e)); },
                       [this](std::string_view reason) { on_closed(reason); }});
    server.log().debug("s2s to {}: connecting to {} ({}:{}{})", remote_, target.host,
                       target.address, target.port, target.direct_tls ? ", direct TLS" : "");
    ready_timer_.start(server.config().auth_timeout);
}

OutConn::~OutConn() = default;

void OutConn::set_state(State next) {
    bool legal = next == State::kClosed;
    switch (next) {
        case State::kAwaitingOpen:
            legal = state_ == State::kConnecting || state_ == State::kStartingTls ||
                    state_ == State::kSasl;
            break;
        case State::kAwaitingFeatures: legal = state_ == State::kAwaitingOpen; break;
        case State::kStartingTls:
        case State::kSasl: legal = state_ == State::kAwaitingFeatures; break;
        case State::kReady:
            legal = state_ == State::kAwaitingFeatures || state_ == State::kSasl;
            break;
        default: break;
    }
    if (!legal) {
        server_.log().error("s2s to {}: illegal state change {} -> {}", remote_, to_string(state_),
                            to_string(next));
    }
    state_ = next;
}

OutConn::Auth OutConn::auth(std::string_view local) const {
    const auto it = auth_.find(local);
    return it == auth_.end() ? Auth::kNone : it->second;
}

bool OutConn::authenticated() const {
    return std::any_of(auth_.begin(), auth_.end(),
                       [](const auto& kv) { return kv.second == Auth::kValid; });
}

void OutConn::connected() {
    if (target_.direct_tls) {
        // XEP-0368: TLS from the first byte, SNI naming the remote domain.
        wire_->stream().start_tls(server_.client_tls(local_)->new_session(remote_));
    }
    open_stream();
}

void OutConn::open_stream() {
    xml::Element attrs("stream");
    attrs.set_attr("from", local_);
    attrs.set_attr("to", remote_);
    wire_->open(attrs);
    set_state(State::kAwaitingOpen);
}

void OutConn::on_open(const xml::StreamEvent& ev) {
    if (state_ != State::kAwaitingOpen) {
        wire_->fail("bad-format", "unexpected stream header");
        return;
    }
    if (!ev.element.is("stream", ns::kStream) || ev.default_ns != ns::kServer) {
        wire_->fail("invalid-namespace");
        return;
    }
    stream_id_ = ev.element.attr("id");
    const std::string_view version = ev.element.attr("version");
    if (version.empty() || version.front() < '1') {
        wire_->fail("unsupported-version", "version='1.0' is required");
        return;
    }
    set_state(State::kAwaitingFeatures);
}

void OutConn::on_features(const xml::Element& features) {
    const bool tls = wire_->tls_active();
    if (!tls && features.child("starttls", ns::kTls)) {
        wire_->send(xml::Element("starttls", ns::kTls));
        set_state(State::kStartingTls);
        return;
    }
    if (!tls && server_.config().require_tls) {
        wire_->fail("policy-violation", "TLS is required and not offered");
        return;
    }
    if (tls) {
        const tls::PeerCertificate cert = wire_->stream().tls()->peer_certificate();
        const bool valid = certificate_authenticates(cert, remote_);
        if (!valid && server_.config().require_valid_certs) {
            server_.log().notice("s2s to {}: certificate not valid for the domain ({}); closing",
                                 remote_, cert.verify_error.empty() ? "name mismatch" : cert.verify_error);
            wire_->fail("policy-violation", "certificate not valid for " + remote_);
            return;
        }
    }
    // XEP-0178: if they offer EXTERNAL and we hold a certificate for our
    // domain, authenticate with it; dialback remains the fallback.
    if (const xml::Element* mechs = features.child("mechanisms", ns::kSasl);
        mechs && !sasl_tried_ && tls && server_.has_certificate(local_)) {
        for (const xml::Element& m : mechs->elements()) {
            if (m.text() != "EXTERNAL") continue;
            sasl_tried_ = true;
            xml::Element auth("auth", ns::kSasl);
            auth.set_attr("mechanism", "EXTERNAL");
            auth.add_text(sasl::base64_encode(local_));
            wire_->send(auth);
            set_state(State::kSasl);
            return;
        }
    }
    // Servers that predate the dialback stream feature still speak it.
    dialback_offered_ = server_.config().dialback;
    ready_timer_.stop();
    set_state(State::kReady);
    route_.on_ready(*this);
}

void OutConn::on_element(xml::Element&& e) {
    if (e.is("error", ns::kStream)) {
        std::string condition = "undefined-condition";
        for (const xml::Element& c : e.elements()) {
            if (c.ns() == ns::kStreams && c.name() != "text") condition = c.name();
        }
        server_.log().notice("s2s to {}: stream error <{}/> {}", remote_, condition,
                             e.child_text("text", ns::kStreams));
        wire_->close("stream error " + condition);
        return;
    }
    switch (state_) {
        case State::kAwaitingFeatures:
            if (e.is("features", ns::kStream)) {
                on_features(e);
            } else {
                wire_->fail("bad-format", "expected stream features");
            }
            return;
        case State::kStartingTls:
            if (e.is("proceed", ns::kTls)) {
                wire_->start_tls(server_.client_tls(local_)->new_session(remote_));
                open_stream();
            } else {
                wire_->close("STARTTLS refused by the peer");
            }
            return;
        case State::kSasl:
            if (e.is("success", ns::kSasl)) {
                auth_[local_] = Auth::kValid;
                server_.log().info("s2s to {}: {} authenticated by certificate (SASL EXTERNAL)",
                                   remote_, local_);
                wire_->restart();
                open_stream();
            } else {
                // Fall back to dialback on this very stream.
                server_.log().info("s2s to {}: SASL EXTERNAL refused; trying dialback", remote_);
                dialback_offered_ = server_.config().dialback;
                ready_timer_.stop();
                set_state(State::kReady);
                route_.on_ready(*this);
            }
            return;
        case State::kReady:
            if (e.is("result", dialback::kNs)) {
                const std::string local(e.attr("to"));
                // XEP-0220 §2.1.1: only the answer to a request of ours on
                // this stream counts (§3.1: unsolicited results are attacks).
                auto from = jid::nameprep(e.attr("from"));
                if (!from || *from != remote_ || auth(local) != Auth::kPending) return;
                const std::string_view type = e.attr("type");
                const bool valid = type == "valid";
                auth_[local] = valid ? Auth::kValid : Auth::kFailed;
                if (valid) {
                    server_.log().info("s2s to {}: dialback for {} accepted", remote_, local);
                    route_.on_auth(*this, local, true);
                } else if (type == "error") {
                    // §2.4: no verdict on our key; try again later.
                    server_.log().notice("s2s to {}: dialback error for {}: {}", remote_, local,
                                         stanza::error_condition(e));
                    route_.on_auth(*this, local, false, "remote-server-timeout");
                } else {
                    // §2.1.1: refused; what was queued fails with
                    // internal-server-error.
                    server_.log().notice("s2s to {}: dialback for {} refused", remote_, local);
                    route_.on_auth(*this, local, false, "internal-server-error");
                }
            } else if (e.is("verify", dialback::kNs)) {
                route_.on_verify_answer(e.attr("id"), e.attr("from"), e.attr("to"),
                                        dialback::verdict_of(e));
            } else {
                // Our streams carry stanzas one way (RFC 6120 §4.2.1).
                server_.log().debug("s2s to {}: ignoring <{}/> on an outbound stream", remote_,
                                    e.name());
            }
            return;
        default: return;
    }
}

void OutConn::authenticate(const std::string& local) {
    const Auth a = auth(local);
    if (a == Auth::kValid || a == Auth::kPending) return;
    if (!dialback_offered_ || stream_id_.empty()) {
        auth_[local] = Auth::kFailed;
        route_.on_auth(*this, local, false, "remote-server-not-found");
        return;
    }
    auth_[local] = Auth::kPending;
    xml::Element result("result", dialback::kNs);
    result.set_attr("from", local);
    result.set_attr("to", remote_);
    result.add_text(server_.dialback_key(remote_, local, stream_id_));
    wire_->send(result);
}

void OutConn::send_verify(std::string_view receiving, std::string_view stream_id,
                          std::string_view key) {
    xml::Element verify("verify", dialback::kNs);
    verify.set_attr("from", receiving);
    verify.set_attr("to", remote_);
    verify.set_attr("id", stream_id);
    verify.add_text(key);
    wire_->send(verify);
}

void OutConn::on_closed(std::string_view reason) {
    const bool was_ready = state_ == State::kReady;
    set_state(State::kClosed);
    route_.on_closed(*this, reason, was_ready);
}

// ---- OutRoute -------------------------------------------------------------

OutRoute::OutRoute(Server& server, std::string remote)
    : server_(server), remote_(std::move(remote)), retry_timer_(server.loop(), [this] {
          state_ = State::kIdle;
          start(first_local_);
      }) {}

OutRoute::~OutRoute() = default;

bool OutRoute::idle() const {
    return state_ == State::kIdle && !conn_ && queue_.empty() && verifies_.empty();
}

void OutRoute::shutdown() {
    retry_timer_.stop();
    fail_everything("remote-server-timeout", "the server is shutting down");
    if (conn_) conn_->close();
}

void OutRoute::send(const std::string& local, xml::Element&& stanza) {
    const auto& c = server_.config();
    const size_t bytes = stanza.weight();
    if (queue_.size() >= c.queue_max_stanzas || queue_bytes_ + bytes > c.queue_max_bytes) {
        server_.bounce(stanza, "resource-constraint", "too much queued for " + remote_);
        return;
    }
    queue_.push_back(Queued{local, std::move(stanza), bytes});
    queue_bytes_ += bytes;
    if (conn_ && conn_->ready()) {
        if (conn_->auth(local) == OutConn::Auth::kValid) {
            flush(local);
        } else {
            conn_->authenticate(local);  // multiplexing another local domain
        }
    } else if (state_ == State::kIdle) {
        start(local);
    }
}

void OutRoute::verify(const std::string& receiving, const std::string& stream_id,
                      const std::string& key, std::function<void(const dialback::Verdict&)> done) {
    verifies_.push_back(Verify{receiving, stream_id, key, std::move(done)});
    if (conn_ && conn_->ready()) {
        send_verifies();
    } else if (state_ == State::kIdle) {
        start(receiving);
    }
}

void OutRoute::start(const std::string& local) {
    first_local_ = local;
    state_ = State::kResolving;
    server_.resolve(remote_, [this, w = lifeline_.watch()](Resolution r) {
        if (!net::alive(w) || state_ != State::kResolving) return;
        if (r.targets.empty() && r.condition == "remote-server-not-found") {
            // DNS has spoken (and the resolver keeps saying so for its
            // negative TTL): retrying would only delay the bounce.
            server_.log().warning("s2s to {}: {}", remote_, r.why);
            attempts_ = 0;
            state_ = State::kIdle;
            fail_everything(r.condition, r.why);
            return;
        }
        if (r.targets.empty()) {
            attempt_failed(r.why, true);
            return;
        }
        targets_ = std::move(r.targets);
        next_target_ = 0;
        timed_out_ = false;
        try_target();
    });
}

void OutRoute::try_target() {
    if (next_target_ >= targets_.size()) {
        attempt_failed("no server of " + remote_ + " could be reached", timed_out_);
        return;
    }
    state_ = State::kConnecting;
    conn_ = std::make_unique<OutConn>(*this, server_, first_local_, remote_, targets_[next_target_++]);
}

void OutRoute::attempt_failed(std::string_view why, bool timeout) {
    ++attempts_;
    if (attempts_ > server_.config().connect_retries) {
        server_.log().warning("s2s to {}: giving up after {} attempt(s): {}", remote_, attempts_,
                              why);
        attempts_ = 0;
        state_ = State::kIdle;
        fail_everything(timeout ? "remote-server-timeout" : "remote-server-not-found", why);
        return;
    }
    server_.log().info("s2s to {}: {}; retrying", remote_, why);
    state_ = State::kWaitingRetry;
    retry_timer_.start(std::chrono::duration_cast<std::chrono::milliseconds>(
        server_.config().retry_delay * attempts_));
}

void OutRoute::on_ready(OutConn& conn) {
    // Attempts start over once a domain authenticates (flush), not here:
    // a server that negotiates and then never authenticates us must not
    // be retried forever.
    state_ = State::kConnected;
    std::vector<std::string> locals;
    for (const auto& q : queue_) {
        if (std::find(locals.begin(), locals.end(), q.local) == locals.end()) {
            locals.push_back(q.local);
        }
    }
    for (const auto& local : locals) {
        if (conn.auth(local) == OutConn::Auth::kValid) {
            flush(local);
        } else {
            conn.authenticate(local);
        }
    }
    send_verifies();
}

void OutRoute::on_auth(OutConn& conn, const std::string& local, bool valid,
                       std::string_view condition) {
    (void)conn;
    if (valid) {
        flush(local);
    } else {
        bounce_local(local, condition);
    }
}

void OutRoute::flush(const std::string& local) {
    attempts_ = 0;
    std::deque<Queued> rest;
    for (auto& q : queue_) {
        if (q.local == local) {
            conn_->send(q.stanza);
            queue_bytes_ -= q.bytes;
        } else {
            rest.push_back(std::move(q));
        }
    }
    queue_ = std::move(rest);
}

void OutRoute::send_verifies() {
    for (auto& v : verifies_) {
        if (v.sent) continue;
        conn_->send_verify(v.receiving, v.stream_id, v.key);
        v.sent = true;
    }
}

void OutRoute::on_verify_answer(std::string_view stream_id, std::string_view from,
                                std::string_view to, const dialback::Verdict& verdict) {
    for (auto it = verifies_.begin(); it != verifies_.end(); ++it) {
        if (it->sent && it->stream_id == stream_id && it->receiving == to && from == remote_) {
            auto done = std::move(it->done);
            verifies_.erase(it);
            attempts_ = 0;
            done(verdict);
            break;
        }
    }
    // A connection opened only to verify a key has done its job.
    if (conn_ && queue_.empty() && verifies_.empty() &&
        conn_->auth(first_local_) != OutConn::Auth::kValid) {
        conn_->close();
    }
}

void OutRoute::bounce_local(const std::string& local, std::string_view condition) {
    std::deque<Queued> rest;
    for (auto& q : queue_) {
        if (q.local == local) {
            server_.bounce(q.stanza, condition, remote_ + " did not accept " + local);
            queue_bytes_ -= q.bytes;
        } else {
            rest.push_back(std::move(q));
        }
    }
    queue_ = std::move(rest);
}

void OutRoute::fail_everything(std::string_view condition, std::string_view text) {
    for (const auto& q : queue_) server_.bounce(q.stanza, condition, text);
    queue_.clear();
    queue_bytes_ = 0;
    // XEP-0220 §2.4: the authoritative server could not be asked.
    auto verifies = std::move(verifies_);
    verifies_.clear();
    for (auto& v : verifies) v.done(dialback::Verdict::error(std::string(condition)));
}

void OutRoute::release_connection() {
    // The connection's own close callback is on the stack.
    server_.loop().defer([c = std::shared_ptr<OutConn>(std::move(conn_))] {});
}

void OutRoute::on_closed(OutConn& conn, std::string_view reason, bool was_ready) {
    if (&conn != conn_.get()) return;
    server_.log().debug("s2s to {}: connection to {} closed: {}", remote_, conn.target().host,
                        reason);
    release_connection();
    if (was_ready) {
        // Sent verifications died with the stream: ask again on the next one.
        for (auto& v : verifies_) v.sent = false;
        state_ = State::kIdle;
        if (queue_.empty() && verifies_.empty()) return;
        if (!conn.authenticated()) {
            // Closed while we waited for our dialback result or for a
            // verification: XEP-0220 §2.1.1 treats that as a dialback
            // error - a failed attempt, retried after the delay and
            // finally bounced with remote-server-timeout.
            attempt_failed(std::string("closed before authenticating: ") + std::string(reason),
                           true);
            return;
        }
        // A stream that carried stanzas ended (idle, restart of the
        // peer): a new one for what is left.
        start(queue_.empty() ? verifies_.front().receiving : queue_.front().local);
        return;
    }
    if (reason.find("timed out") != std::string_view::npos) timed_out_ = true;
    try_target();
}

}  // namespace jng::s2s
