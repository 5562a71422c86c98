// ComponentConn: the router's side of one XEP-0114 stream.
#include "component_conn.hpp"

#include "component/protocol.hpp"
#include "ns.hpp"
#include "random.hpp"
#include "secure_compare.hpp"
#include "router.hpp"
#include "stanza.hpp"
#include "xml/serializer.hpp"

namespace jng::router {

namespace {
constexpr xml::StreamContext kContext{ns::kComponentAccept};
constexpr auto kKeepalive = std::chrono::seconds(60);

}  // namespace

ComponentConn::ComponentConn(Router& router, net::Loop& loop, Log& log, const RouterConfig& config,
                             ConnId id, std::unique_ptr<net::Stream> stream)
    : router_(router),
      log_(log),
      config_(config),
      id_(id),
      stream_(std::move(stream)),
      reader_(xml::ReaderLimits{.max_stanza_bytes = config.max_stanza_bytes},
              std::string(ns::kComponentAccept)),
      karma_(config.karma_rate, config.karma_burst),
      handshake_timer_(loop, [this] { fail("connection-timeout", "no handshake in time"); }),
      karma_timer_(loop, [this] { stream_->resume_reading(); }),
      keepalive_timer_(loop, [this] {
          if (stream_->pending_output() == 0) stream_->write(" ");
      }) {
    net::Stream::Callbacks cb;
    cb.on_data = [this](std::string_view d) { on_data(d); };
    cb.on_close = [this](std::string_view reason) {
        const State was = state_;
        state_ = State::kClosed;
        log_.info("component {} ({}) disconnected: {}", primary_.empty() ? "?" : primary_, peer(),
                  reason);
        router_.on_closed(*this, was == State::kOnline);
    };
    stream_->set_callbacks(std::move(cb));
    reader_.read_heads_only();
    handshake_timer_.start(config.handshake_timeout);
}

ComponentConn::~ComponentConn() = default;

void ComponentConn::set_state(State next) {
    const bool legal = (state_ == State::kAwaitingStream && next == State::kAwaitingHandshake) ||
                       (state_ == State::kAwaitingHandshake && next == State::kOnline) ||
                       next == State::kClosed;
    if (!legal) log_.error("component connection {}: illegal state change", id_);
    state_ = next;
}

xml::Element ComponentConn::whole(xml::Element&& head, std::string_view raw) const {
    if (raw.empty()) return std::move(head);  // it came whole
    auto read = reader_.read_whole(raw);
    return read ? std::move(*read) : std::move(head);
}

void ComponentConn::send(const xml::Element& element) {
    out_.clear();
    xml::serialize(element, out_, kContext);
    send_raw(out_);
}

void ComponentConn::send_raw(std::string_view bytes) {
    if (state_ == State::kClosed || stream_->closing()) return;
    stream_->write(bytes);
    keepalive_timer_.start(kKeepalive);
}

bool ComponentConn::congested() const {
    return stream_->pending_output() > config_.output_limit_bytes;
}

void ComponentConn::fail(std::string_view condition, std::string_view text) {
    if (state_ == State::kClosed || stream_->closing()) return;
    log_.notice("component {} ({}): stream error {}{}{}", primary_.empty() ? requested_name_ : primary_,
                peer(), condition, text.empty() ? "" : ": ", text);
    if (state_ == State::kAwaitingStream) {
        // RFC 6120 §4.9.1.1: open a stream before reporting an error on it.
        xml::Element attrs("stream");
        attrs.set_attr("id", random_hex(8));
        stream_->write(xml::stream_header(ns::kComponentAccept, attrs));
    }
    stream_->write(xml::to_string(stanza::stream_error(condition, text), kContext));
    stream_->write(xml::kStreamClose);
    stream_->close(std::string("stream error ") + std::string(condition));
}

void ComponentConn::throttle(size_t bytes) {
    if (karma_.take(bytes)) return;
    if (!karma_logged_) {
        log_.warning("component {} ({}) is over its karma ({} bytes/s); slowing it down",
                     primary_.empty() ? "?" : primary_, peer(), config_.karma_rate);
        karma_logged_ = true;
    }
    stream_->pause_reading();
    karma_timer_.start(karma_.wait_time());
}

void ComponentConn::on_data(std::string_view data) {
    const auto watch = lifeline_.watch();
    throttle(data.size());
    reader_.feed(data);
    while (auto ev = reader_.next()) {
        if (state_ == State::kClosed || stream_->closing()) return;
        switch (ev->kind) {
            case xml::StreamEvent::Kind::kOpen: on_open(*ev); break;
            case xml::StreamEvent::Kind::kElement:
                if (state_ == State::kAwaitingHandshake) {
                    on_handshake(ev->element);
                } else {
                    router_.on_element(*this, std::move(ev->element), ev->raw);
                    if (!net::alive(watch)) return;
                }
                break;
            case xml::StreamEvent::Kind::kClose:
                stream_->write(xml::kStreamClose);
                stream_->close("component closed its stream");
                return;
            case xml::StreamEvent::Kind::kError: fail(ev->condition, ev->text); return;
        }
    }
}

void ComponentConn::on_open(const xml::StreamEvent& ev) {
    if (state_ != State::kAwaitingStream) {
        fail("bad-format", "second stream header");
        return;
    }
    if (!ev.element.is("stream", ns::kStream)) {
        fail("invalid-namespace", "not an XMPP stream");
        return;
    }
    if (ev.default_ns != ns::kComponentAccept) {
        fail("invalid-namespace", "expected jabber:component:accept");
        return;
    }
    requested_name_ = ev.element.attr("to");
    if (requested_name_.empty()) {
        fail("improper-addressing", "no 'to' on the stream header");
        return;
    }
    stream_id_ = random_hex(16);
    xml::Element attrs("stream");
    attrs.set_attr("from", requested_name_);
    attrs.set_attr("id", stream_id_);
    stream_->write(xml::stream_header(ns::kComponentAccept, attrs));
    set_state(State::kAwaitingHandshake);
}

void ComponentConn::on_handshake(const xml::Element& element) {
    if (!element.is("handshake", ns::kClient)) {
        fail("not-authorized", "expected <handshake/>");
        return;
    }
    const ComponentAcl* acl = config_.acl_for(requested_name_);
    const std::string digest = element.text();
    // The same answer for an unknown name and a wrong secret: no probing
    // for which components exist.
    if (!acl || !constant_time_equal(component::handshake_digest(stream_id_, acl->secret), digest)) {
        fail("not-authorized", acl ? "wrong secret" : "unknown component name");
        return;
    }
    if (!router_.claim_primary(*this, requested_name_)) {
        fail("conflict", "a component with this name is already connected");
        return;
    }
    primary_ = requested_name_;
    names_.insert(primary_);
    may_send_envelopes = acl->envelopes;
    handshake_timer_.stop();
    set_state(State::kOnline);
    log_.info("component {} connected from {}", primary_, peer());
    send(xml::Element("handshake", ns::kClient));
    router_.on_online(*this);
}

}  // namespace jng::router
