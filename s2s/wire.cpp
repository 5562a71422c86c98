// Wire: the shared plumbing of s2s streams.
#include "wire.hpp"

#include <fmt/format.h>

#include "random.hpp"
#include "stanza.hpp"

namespace jng::s2s {

Wire::Wire(net::Loop& loop, std::unique_ptr<net::Stream> stream, const Limits& limits,
           Handlers handlers)
    : stream_(std::move(stream)),
      limits_(limits),
      handlers_(std::move(handlers)),
      karma_(limits.karma_rate, limits.karma_burst),
      idle_timer_(loop, [this] {
          // An unused stream is closed, not failed: the peer did nothing
          // wrong (RFC 6120 §4.4). Only stanzas (and stream negotiation)
          // count as use - whitespace keepalives, both sides' included,
          // would otherwise keep every stream open forever.
          close(fmt::format("idle: no stanza for {} s", limits_.idle_timeout.count()));
      }),
      keepalive_timer_(loop, [this] {
          // RFC 6120 §4.6.1: whitespace keeps NATs and the peer's idle
          // checks from closing a quiet stream (never before our header:
          // nothing may precede the XML declaration).
          if (opened_ && !stream_->closing()) stream_->write(" ");
          keepalive_timer_.start(limits_.keepalive);
      }),
      karma_timer_(loop, [this] { stream_->resume_reading(); }) {
    reader_ = std::make_unique<xml::StreamReader>(
        xml::ReaderLimits{.max_stanza_bytes = limits.max_stanza_bytes}, std::string(ns::kServer));
    net::Stream::Callbacks cb;
    cb.on_connected = handlers_.on_connected;
    cb.on_data = [this](std::string_view d) { on_data(d); };
    cb.on_close = [this](std::string_view reason) {
        idle_timer_.stop();
        keepalive_timer_.stop();
        if (handlers_.on_closed) handlers_.on_closed(reason);
    };
    stream_->set_callbacks(std::move(cb));
    touch();
    keepalive_timer_.start(limits.keepalive);
}

Wire::~Wire() = default;

void Wire::touch() { idle_timer_.start(limits_.idle_timeout); }

void Wire::open(const xml::Element& attributes) {
    xml::Element attrs = attributes;
    attrs.set_attr("xmlns:db", dialback::kNs);
    attrs.set_attr("version", "1.0");
    stream_->write(xml::stream_header(ns::kServer, attrs));
    opened_ = true;
    touch();
}

void Wire::send(const xml::Element& element) {
    if (stream_->closing()) return;
    out_.clear();
    xml::serialize(element, out_, kServerStream);
    stream_->write(out_);
    touch();
    keepalive_timer_.start(limits_.keepalive);
}

void Wire::send_raw(std::string_view text) {
    if (!stream_->closing()) stream_->write(text);
}

void Wire::fail(std::string_view condition, std::string_view text) {
    if (stream_->closing()) return;
    if (!opened_) {
        xml::Element attrs("stream");
        attrs.set_attr("id", random_hex(8));
        open(attrs);
    }
    stream_->write(xml::to_string(stanza::stream_error(condition, text), kServerStream));
    stream_->write(xml::kStreamClose);
    stream_->close(std::string("stream error ") + std::string(condition) +
                   (text.empty() ? "" : ": ") + std::string(text));
}

void Wire::close(std::string_view reason) {
    if (stream_->closing()) return;
    if (opened_) stream_->write(xml::kStreamClose);
    stream_->close(reason);
}

void Wire::restart() {
    reader_->restart();
    opened_ = false;
}

void Wire::start_tls(std::unique_ptr<tls::Session> session) {
    stream_->start_tls(std::move(session));
    restart();
}

void Wire::on_data(std::string_view data) {
    const auto watch = lifeline_.watch();
    if (!karma_.take(data.size())) {
        stream_->pause_reading();
        karma_timer_.start(karma_.wait_time());
    }
    reader_->feed(data);
    while (auto ev = reader_->next()) {
        if (stream_->closing()) return;
        switch (ev->kind) {
            case xml::StreamEvent::Kind::kOpen:
                touch();
                if (handlers_.on_open) handlers_.on_open(*ev);
                break;
            case xml::StreamEvent::Kind::kElement:
                touch();
                if (handlers_.on_element) handlers_.on_element(std::move(ev->element));
                break;
            case xml::StreamEvent::Kind::kClose: close("peer closed its stream"); return;
            case xml::StreamEvent::Kind::kError: fail(ev->condition, ev->text); return;
        }
        if (!net::alive(watch)) return;
    }
}

Wire::Limits wire_limits(const S2sConfig& c) {
    return Wire::Limits{c.max_stanza_bytes, c.idle_timeout, c.keepalive, c.karma_rate,
                        c.karma_burst};
}

}  // namespace jng::s2s
