// InStream: the receiving side of RFC 6120 server-to-server streams, with
// SASL EXTERNAL (XEP-0178) and Server Dialback (XEP-0220).
#include "inbound.hpp"

#include "dialback.hpp"
#include "identity.hpp"
#include "jid.hpp"
#include "ns.hpp"
#include "random.hpp"
#include "sasl/encoding.hpp"
#include "server.hpp"
#include "stanza.hpp"

namespace jng::s2s {

InStream::InStream(Server& server, uint64_t id, std::unique_ptr<net::Stream> stream,
                   bool direct_tls)
    : server_(server),
      id_(id),
      wire_(server.loop(), std::move(stream), wire_limits(server.config()),
            Wire::Handlers{{},
                           [this](const xml::StreamEvent& ev) { on_open(ev); },
                           [this](xml::Element&& e) { on_element(std::move(e)); },
                           [this](std::string_view reason) { on_closed(reason); }}),
      auth_timer_(server.loop(), [this] {
          if (pairs_.empty()) wire_.fail("connection-timeout", "not authenticated in time");
      }) {
    if (direct_tls) {
        // XEP-0368: TLS before any XML; the default certificate answers,
        // since the domain is not known yet.
        if (tls::Context* ctx = server_.server_tls({})) wire_.stream().start_tls(ctx->new_session());
    }
    auth_timer_.start(server.config().auth_timeout);
}

InStream::~InStream() = default;

void InStream::set_state(State next) {
    const bool legal = next == State::kClosed ||
                       (state_ == State::kAwaitingOpen && next == State::kNegotiating) ||
                       (state_ == State::kNegotiating && next == State::kAwaitingOpen);
    if (!legal) server_.log().error("inbound {}: illegal state change", id_);
    state_ = next;
}

void InStream::on_open(const xml::StreamEvent& ev) {
    if (state_ != State::kAwaitingOpen) {
        wire_.fail("bad-format", "unexpected stream header");
        return;
    }
    const std::string_view to = ev.element.attr("to");
    const std::string_view from = ev.element.attr("from");
    auto local = jid::nameprep(to);
    stream_id_ = random_hex(16);
    xml::Element attrs("stream");
    if (local) attrs.set_attr("from", *local);
    if (!from.empty()) attrs.set_attr("to", from);
    attrs.set_attr("id", stream_id_);
    wire_.open(attrs);

    if (!ev.element.is("stream", ns::kStream) || ev.default_ns != ns::kServer) {
        wire_.fail("invalid-namespace");
        return;
    }
    if (to.empty() || !local || !server_.is_local(*local)) {
        wire_.fail("host-unknown", to.empty() ? "no 'to' on the stream header" : "not served here");
        return;
    }
    if (!local_.empty() && *local != local_) {
        wire_.fail("host-unknown", "a restarted stream must keep its 'to'");
        return;
    }
    local_ = *local;
    if (!from.empty()) {
        auto peer = jid::nameprep(from);
        if (!peer) {
            wire_.fail("invalid-from", peer.message());
            return;
        }
        peer_domain_ = *peer;
    }
    const std::string_view version = ev.element.attr("version");
    if (version.empty() || version.front() < '1') {
        // Pre-RFC servers (no version, no features) cannot do TLS.
        wire_.fail("unsupported-version", "version='1.0' is required");
        return;
    }
    set_state(State::kNegotiating);
    send_features();
}

void InStream::send_features() {
    xml::Element features("features", ns::kStream);
    const bool tls = wire_.tls_active();
    if (!tls && server_.server_tls(local_)) {
        xml::Element& st = features.add("starttls", ns::kTls);
        if (server_.config().require_tls) st.add("required");
    }
    if (tls || !server_.config().require_tls) {
        // XEP-0178: EXTERNAL only when the peer's certificate already
        // proves the domain it claims.
        if (!sasl_done_ && !peer_domain_.empty() && wire_.stream().tls() &&
            certificate_authenticates(wire_.stream().tls()->peer_certificate(), peer_domain_)) {
            features.add("mechanisms", ns::kSasl).add_text_child("mechanism", "EXTERNAL");
        }
        if (server_.config().dialback) {
            // XEP-0220 §2.4: we understand dialback errors.
            features.add("dialback", dialback::kFeatureNs).add("errors");
        }
    }
    wire_.send(features);
}

void InStream::on_element(xml::Element&& e) {
    if (state_ != State::kNegotiating) return;
    if (e.is("starttls", ns::kTls)) {
        start_tls();
        return;
    }
    // RFC 6120 §5.3.1: with TLS required nothing but STARTTLS before it.
    if (server_.config().require_tls && !wire_.tls_active()) {
        wire_.fail("policy-violation", "STARTTLS is required");
        return;
    }
    if (e.ns() == ns::kSasl) {
        sasl(e);
    } else if (e.is("result", dialback::kNs)) {
        dialback_result(e);
    } else if (e.is("verify", dialback::kNs)) {
        dialback_verify(e);
    } else if (stanza::is_stanza(e)) {
        stanza(std::move(e));
    } else {
        wire_.fail("unsupported-stanza-type", e.name());
    }
}

void InStream::start_tls() {
    tls::Context* ctx = server_.server_tls(local_);
    if (wire_.tls_active() || !ctx) {
        wire_.send(xml::Element("failure", ns::kTls));
        wire_.close("STARTTLS refused");
        return;
    }
    wire_.send(xml::Element("proceed", ns::kTls));
    // RFC 6120 §5.4.3.3: a new stream over TLS; anything the peer sent after
    // <starttls/> in the clear is dropped with the old parser.
    wire_.start_tls(ctx->new_session());
    set_state(State::kAwaitingOpen);
}

void InStream::sasl(const xml::Element& e) {
    auto failure = [this](std::string_view condition) {
        xml::Element f("failure", ns::kSasl);
        f.add(condition);
        wire_.send(f);
    };
    if (e.name() != "auth" || sasl_done_) {
        failure("malformed-request");
        return;
    }
    if (e.attr("mechanism") != "EXTERNAL") {
        failure("invalid-mechanism");
        return;
    }
    // XEP-0178 §2: the authorization identity is the peer's domain, sent
    // or implied ("=").
    const std::string data = e.text();
    std::string authzid = peer_domain_;
    if (!data.empty() && data != "=") {
        auto decoded = sasl::base64_decode(data);
        if (!decoded) {
            failure("incorrect-encoding");
            return;
        }
        authzid = *decoded;
    }
    const tls::Session* tls = wire_.stream().tls();
    if (peer_domain_.empty() || authzid != peer_domain_ || !tls ||
        !certificate_authenticates(tls->peer_certificate(), peer_domain_)) {
        failure("not-authorized");
        return;
    }
    sasl_done_ = true;
    pairs_.emplace(peer_domain_, local_);
    server_.log().info("inbound {} ({}): {} authenticated by certificate (SASL EXTERNAL)", id_,
                       peer(), peer_domain_);
    wire_.send(xml::Element("success", ns::kSasl));
    wire_.restart();
    set_state(State::kAwaitingOpen);
}

void InStream::dialback_result(const xml::Element& e) {
    if (!server_.config().dialback) {
        wire_.fail("unsupported-stanza-type", "dialback is disabled");
        return;
    }
    auto from = jid::nameprep(e.attr("from"));
    auto to = jid::nameprep(e.attr("to"));
    if (!from || !to) {
        wire_.fail("improper-addressing", "dialback result without valid from/to");
        return;
    }
    const std::string remote = *from;
    const std::string local = *to;
    if (!server_.is_local(local)) {
        // XEP-0220 §2.4: an error for this pair only; the stream stays.
        wire_.send(dialback::error("result", local, remote, "item-not-found"));
        return;
    }
    const tls::Session* tls = wire_.stream().tls();
    if (server_.config().require_valid_certs &&
        (!tls || !certificate_authenticates(tls->peer_certificate(), remote))) {
        // Our policy wants a certificate that proves the sender domain;
        // dialback alone proves only its DNS (XEP-0220 §2.4, not-authorized).
        server_.log().notice("inbound {} ({}): dialback for {} refused: no valid certificate",
                             id_, peer(), remote);
        wire_.send(dialback::error("result", local, remote, "not-authorized"));
        return;
    }
    ++pending_verifications_;
    server_.verify_key(
        remote, local, stream_id_, e.text(),
        [this, w = lifeline_.watch(), remote, local](const dialback::Verdict& verdict) {
            if (!net::alive(w) || wire_.closing()) return;
            --pending_verifications_;
            switch (verdict.kind) {
                case dialback::Verdict::Kind::kValid:
                    pairs_.emplace(remote, local);
                    server_.log().info("inbound {} ({}): {} authenticated by dialback", id_,
                                       peer(), remote);
                    wire_.send(dialback::answer("result", local, remote, "valid"));
                    return;
                case dialback::Verdict::Kind::kInvalid:
                    // XEP-0220 §2.2.1: a spoofing attempt; the stream ends.
                    server_.log().notice("inbound {} ({}): dialback key for {} did not verify",
                                         id_, peer(), remote);
                    wire_.send(dialback::answer("result", local, remote, "invalid"));
                    wire_.fail("not-authorized", "dialback verification failed");
                    return;
                case dialback::Verdict::Kind::kError:
                    // XEP-0220 §2.4: the authoritative server could not be
                    // asked, which says nothing about the key: a dialback
                    // error for this pair, and the stream (and any pair
                    // already verified on it) stays.
                    server_.log().notice("inbound {} ({}): could not verify the key for {}: {}",
                                         id_, peer(), remote, verdict.condition);
                    wire_.send(dialback::error("result", local, remote, verdict.condition));
                    return;
            }
        });
}

void InStream::dialback_verify(const xml::Element& e) {
    // We are the authoritative server: was this key ours for that stream?
    auto from = jid::nameprep(e.attr("from"));
    auto to = jid::nameprep(e.attr("to"));
    const std::string_view id = e.attr("id");
    if (!from || !to || id.empty()) {
        wire_.fail("improper-addressing", "dialback verify without valid from/to/id");
        return;
    }
    xml::Element answer;
    if (!server_.is_local(*to)) {
        // XEP-0220 §2.2.2: a 'to' we do not host is a dialback error, not
        // a verdict on the key.
        answer = dialback::error("verify", *to, *from, "item-not-found");
    } else {
        const bool valid = dialback::same_key(server_.dialback_key(*from, *to, id), e.text());
        answer = dialback::answer("verify", *to, *from, valid ? "valid" : "invalid");
    }
    answer.set_attr("id", id);
    wire_.send(answer);
    // A stream opened only to verify keys is done authenticating.
    auth_timer_.stop();
}

bool InStream::authenticated(std::string_view from_domain, std::string_view to_domain) const {
    return pairs_.count({std::string(from_domain), std::string(to_domain)}) > 0;
}

void InStream::stanza(xml::Element&& e) {
    // RFC 6120 §8.1.1.1, §4.9.3: server streams always address both ends;
    // the sender must be a domain authenticated on this stream, the
    // recipient one of ours.
    auto from = Jid::parse(e.attr("from"));
    auto to = Jid::parse(e.attr("to"));
    if (!e.has_attr("from") || !e.has_attr("to")) {
        wire_.fail("improper-addressing", "stanza without from or to");
        return;
    }
    if (!from) {
        wire_.fail("invalid-from", from.message());
        return;
    }
    if (!to) {
        if (stanza::can_bounce(e)) {
            xml::Element reply = stanza::error_reply(e, "jid-malformed", to.message());
            reply.set_attr("from", local_);
            wire_.send(reply);
        }
        return;
    }
    if (!server_.is_local(to->domain())) {
        wire_.fail("host-unknown", "'" + to->domain() + "' is not served here");
        return;
    }
    if (!authenticated(from->domain(), to->domain())) {
        wire_.fail("invalid-from", "'" + from->domain() + "' is not authenticated on this stream");
        return;
    }
    e.set_attr("from", from->str());
    e.set_attr("to", to->str());
    server_.to_router(e);
}

void InStream::on_closed(std::string_view reason) {
    set_state(State::kClosed);
    auth_timer_.stop();
    server_.log().debug("inbound {} ({}) closed: {}", id_, peer(), reason);
    server_.inbound_closed(*this);
}

}  // namespace jng::s2s
