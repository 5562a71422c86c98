// Link: the component side of the router protocol.
#include "component/link.hpp"

#include "ns.hpp"
#include "stanza.hpp"
#include "xml/serializer.hpp"

namespace jng::component {

namespace {
constexpr xml::StreamContext kComponentStream{ns::kComponentAccept};
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
}  // namespace

std::string_view to_string(Link::State s) {
    switch (s) {
        case Link::State::kIdle: return "idle";
        case Link::State::kConnecting: return "connecting";
        case Link::State::kHandshake: return "handshake";
        case Link::State::kBinding: return "binding";
        case Link::State::kReady: return "ready";
        case Link::State::kBackoff: return "backoff";
    }
    return "?";
}

Link::Link(net::Loop& loop, Log& log, LinkConfig config, Handlers handlers)
    : loop_(loop),
      log_(log),
      config_(std::move(config)),
      handlers_(std::move(handlers)),
      retry_timer_(loop, [this] { connect(); }),
      handshake_timer_(loop, [this] {
          if (stream_) stream_->abort("router did not complete the handshake in time");
      }),
      keepalive_timer_(loop, [this] {
          if (stream_ && state_ == State::kReady) stream_->write(" ");
      }),
      backoff_(config_.backoff_min) {}

Link::~Link() = default;

void Link::set_state(State next) {
    // The legal moves; anything else is a bug in this file.
    auto legal = [&] {
        switch (next) {
            case State::kIdle: return true;
            case State::kConnecting: return state_ == State::kIdle || state_ == State::kBackoff;
            case State::kHandshake: return state_ == State::kConnecting;
            case State::kBinding: return state_ == State::kHandshake;
            case State::kReady: return state_ == State::kBinding;
            case State::kBackoff: return state_ != State::kIdle;
        }
        return false;
    };
    if (!legal()) {
        log_.error("router link: illegal state change {} -> {}", to_string(state_),
                   to_string(next));
    }
    state_ = next;
}

void Link::start() {
    if (state_ != State::kIdle) return;
    connect();
}

void Link::stop() {
    retry_timer_.stop();
    handshake_timer_.stop();
    keepalive_timer_.stop();
    if (stream_) {
        // What was sent just before stopping (a daemon's goodbyes: session
        // ends, unavailable presence) is still in the output buffer. Keep
        // the stream until it has flushed and closed; freeing it now would
        // drop those bytes.
        stream_->write(xml::kStreamClose);
        net::Stream::Callbacks cb;
        cb.on_close = [this](std::string_view) {
            loop_.defer([s = std::shared_ptr<net::Stream>(std::move(closing_))] {});
        };
        stream_->set_callbacks(std::move(cb));
        closing_ = std::move(stream_);
        closing_->close("stopping");
    }
    set_state(State::kIdle);
}

void Link::connect() {
    set_state(State::kConnecting);
    reader_ = std::make_unique<xml::StreamReader>(config_.limits, std::string(ns::kComponentAccept));
    if (handlers_.on_route_bytes) reader_->read_child_heads();
    stream_ = net::Stream::connect(loop_, config_.host, config_.port, config_.connect_timeout);
    net::Stream::Callbacks cb;
    cb.on_connected = [this] {
        set_state(State::kHandshake);
        xml::Element attrs("stream");
        attrs.set_attr("to", config_.name);
        stream_->write(xml::stream_header(ns::kComponentAccept, attrs));
        handshake_timer_.start(kHandshakeTimeout);
    };
    cb.on_data = [this](std::string_view d) { on_data(d); };
    cb.on_close = [this](std::string_view reason) { on_closed(reason); };
    stream_->set_callbacks(std::move(cb));
}

void Link::on_data(std::string_view data) {
    const auto watch = lifeline_.watch();
    reader_->feed(data);
    while (auto ev = reader_->next()) {
        switch (ev->kind) {
            case xml::StreamEvent::Kind::kOpen: {
                const std::string_view id = ev->element.attr("id");
                if (id.empty()) {
                    stream_->close("router sent no stream id");
                    return;
                }
                xml::Element hs("handshake", ns::kComponentAccept);
                hs.add_text(handshake_digest(id, config_.secret));
                write_now(hs);
                break;
            }
            case xml::StreamEvent::Kind::kElement: {
                std::string_view payload = ev->child_raw(0);
                if (ev->partial &&
                    (payload.empty() || ev->child_spans.size() != 1 || !is_route(ev->element))) {
                    // Its children came as heads, and it is not relayed as bytes.
                    auto whole = reader_->read_whole(ev->raw);
                    if (!whole) {
                        stream_->close("cannot read an element from the router again");
                        return;
                    }
                    ev->element = std::move(*whole);
                    payload = {};
                }
                handle(std::move(ev->element), payload);
                if (!net::alive(watch)) return;
                break;
            }
            case xml::StreamEvent::Kind::kClose:
                stream_->close("router closed the stream");
                return;
            case xml::StreamEvent::Kind::kError:
                stream_->write(xml::to_string(stanza::stream_error(ev->condition), kComponentStream));
                stream_->close("bad XML from router: " + ev->text);
                return;
        }
        if (!stream_ || stream_->closing()) return;
    }
}

void Link::handle(xml::Element&& e, std::string_view payload) {
    if (e.is("error", ns::kStream)) {
        std::string condition = "unknown";
        for (const xml::Element& c : e.elements()) {
            if (c.ns() == ns::kStreams && c.name() != "text") condition = c.name();
        }
        log_.error("router refused {} with <{}/>{}", config_.name, condition,
                   condition == "not-authorized" ? ": check the secret in router-users.xml"
                   : condition == "conflict"     ? ": another process uses this name"
                                                 : "");
        stream_->close("stream error " + condition);
        return;
    }
    switch (state_) {
        case State::kHandshake:
            if (e.name() == "handshake") {
                handshake_timer_.stop();
                set_state(State::kBinding);
                send_binds();
            } else {
                stream_->close("unexpected element before handshake");
            }
            return;
        case State::kBinding:
            if (e.is("bind", ns::kComponentExt)) {
                handle_bind_answer(e);
                return;
            }
            break;
        case State::kReady:
            if (e.is("bind", ns::kComponentExt)) {
                handle_bind_answer(e);
                return;
            }
            break;
        default: return;
    }
    if (e.ns() == ns::kComponentExt) {
        if (auto p = read_name_presence(e)) {
            if (handlers_.on_name) handlers_.on_name(*p);
            return;
        }
        if (e.name() == "subscribed") {
            if (handlers_.on_names_synced) handlers_.on_names_synced();
            return;
        }
        if (e.name() != "route") {
            log_.debug("router link: ignoring <{}/> from router", e.name());
            return;
        }
    }
    if (!payload.empty()) {
        handlers_.on_route_bytes(std::move(e), payload);
    } else if (handlers_.on_stanza) {
        handlers_.on_stanza(std::move(e));
    }
}

void Link::send_binds() {
    binds_pending_ = config_.binds.size() + (config_.default_route ? 1 : 0);
    for (const auto& b : config_.binds) write_now(make_bind(b.name, b.multi));
    if (config_.default_route) write_now(make_default_bind());
    if (binds_pending_ == 0) become_ready();
}

void Link::handle_bind_answer(const xml::Element& e) {
    const std::string_view what = e.has_attr("default") ? std::string_view("the default route")
                                                        : e.attr("name");
    if (const std::string_view err = e.attr("error"); !err.empty()) {
        log_.error("router refused to bind {} to {}: {}", what, config_.name, err);
        stream_->close("bind refused");
        return;
    }
    if (state_ != State::kBinding || binds_pending_ == 0) return;
    log_.debug("router link: bound {}", what);
    if (--binds_pending_ == 0) become_ready();
}

void Link::become_ready() {
    const bool reconnected = waiting_logged_;
    waiting_logged_ = false;
    backoff_ = config_.backoff_min;
    set_state(State::kReady);
    log_.info("connected to router {}:{} as {}{}", config_.host, config_.port, config_.name,
              reconnected ? " (again)" : "");
    keepalive_timer_.start_repeating(config_.keepalive);
    flush_queue();
    if (config_.subscribe_names) write_now(make_subscribe());
    if (handlers_.on_ready) handlers_.on_ready();
}

void Link::on_closed(std::string_view reason) {
    const bool was_ready = state_ == State::kReady;
    handshake_timer_.stop();
    keepalive_timer_.stop();
    // The stream calls us as its last act; free it once its stack unwinds.
    loop_.defer([s = std::shared_ptr<net::Stream>(std::move(stream_))] {});
    if (state_ == State::kIdle) return;
    schedule_retry(reason);
    if (was_ready && handlers_.on_lost) handlers_.on_lost();
}

void Link::schedule_retry(std::string_view why) {
    set_state(State::kBackoff);
    if (!waiting_logged_) {
        log_.warning("router {}:{} unavailable ({}); retrying with backoff", config_.host,
                     config_.port, why);
        waiting_logged_ = true;
    } else {
        log_.debug("router still unavailable ({}); next try in {} ms", why, backoff_.count());
    }
    retry_timer_.start(backoff_);
    backoff_ = std::min(backoff_ * 2, config_.backoff_max);
}

void Link::write_now(const xml::Element& element) {
    out_.clear();
    xml::serialize(element, out_, kComponentStream);
    stream_->write(out_);
}

bool Link::send(const xml::Element& element) {
    out_.clear();
    xml::serialize(element, out_, kComponentStream);
    return send_written();
}

bool Link::send_route(const RouteAddress& address, const xml::Element& payload) {
    out_.clear();
    write_route(address, payload, out_);
    return send_written();
}

bool Link::send_written() {
    if (state_ == State::kReady && stream_) {
        stream_->write(out_);
        return true;
    }
    if (queue_bytes_ + out_.size() > config_.queue_limit_bytes) {
        if (dropped_++ % 1000 == 0) {
            log_.warning("router link down and queue full ({} bytes): dropping stanzas",
                         queue_bytes_);
        }
        return false;
    }
    queue_bytes_ += out_.size();
    queue_.push_back(out_);
    return true;
}

void Link::flush_queue() {
    if (queue_.empty()) return;
    log_.info("router link: sending {} stanzas queued while it was down", queue_.size());
    std::string all;
    all.reserve(queue_bytes_);
    for (auto& s : queue_) all += s;
    queue_.clear();
    queue_bytes_ = 0;
    dropped_ = 0;
    stream_->write(all);
}

void read_link_config(config::Reader& r, LinkConfig& link) {
    link.host = r.string("router@address", "127.0.0.1");
    link.port = static_cast<uint16_t>(r.integer("router@port", 5347, 1, 65535));
    link.secret = r.required_string("router@secret");
    link.backoff_max =
        std::chrono::milliseconds(r.integer("router@max-retry-ms", 10000, 100, 600000));
}

}  // namespace jng::component
