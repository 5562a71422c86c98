// What inbound and outbound server-to-server streams share: the TCP/TLS
// stream, the jabber:server reader (restarted after STARTTLS and SASL), the
// writer, whitespace keepalives, the idle timeout and karma.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dialback.hpp"
#include "karma.hpp"
#include "net/loop.hpp"
#include "net/stream.hpp"
#include "ns.hpp"
#include "s2s_config.hpp"
#include "xml/element.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

namespace jng::s2s {

// How elements are written in our server streams: stanzas in jabber:server,
// dialback elements with the 'db' prefix our stream header declares.
inline constexpr xml::StreamContext kServerStream{ns::kServer, dialback::kNs, "db"};

class Wire {
public:
    struct Handlers {
        std::function<void()> on_connected;  // outbound streams: TCP is up
        std::function<void(const xml::StreamEvent&)> on_open;
        std::function<void(xml::Element&&)> on_element;
        std::function<void(std::string_view reason)> on_closed;  // last call; may destroy the owner
    };
    struct Limits {
        size_t max_stanza_bytes;
        std::chrono::seconds idle_timeout;
        std::chrono::seconds keepalive;
        uint64_t karma_rate;
        uint64_t karma_burst;
    };

    Wire(net::Loop& loop, std::unique_ptr<net::Stream> stream, const Limits& limits,
         Handlers handlers);
    ~Wire();
    Wire(const Wire&) = delete;
    Wire& operator=(const Wire&) = delete;

    net::Stream& stream() { return *stream_; }
    const std::string& peer() const { return stream_->peer(); }
    bool tls_active() const { return stream_->tls() != nullptr; }
    bool closing() const { return stream_->closing(); }

    // <stream:stream xmlns='jabber:server' xmlns:db=... attrs>.
    void open(const xml::Element& attributes);
    void send(const xml::Element& element);
    void send_raw(std::string_view text);
    // Stream error (opening a stream first if we have not), then close.
    void fail(std::string_view condition, std::string_view text = {});
    // </stream:stream> (if our header is out), then close.
    void close(std::string_view reason);

    // A new stream on the same connection (after STARTTLS or SASL): the
    // parser starts over and nothing read after the old stream's last
    // element is kept.
    void restart();
    void start_tls(std::unique_ptr<tls::Session> session);
    bool opened() const { return opened_; }

private:
    void on_data(std::string_view data);
    // A stream header or an element went either way: the stream is in use.
    void touch();

    std::unique_ptr<net::Stream> stream_;
    Limits limits_;
    Handlers handlers_;
    std::unique_ptr<xml::StreamReader> reader_;
    TokenBucket karma_;
    net::Timer idle_timer_;
    net::Timer keepalive_timer_;
    net::Timer karma_timer_;
    bool opened_ = false;  // our header for the current stream is out
    std::string out_;
    net::Lifeline lifeline_;
};

// The limits of every server stream, inbound or outbound.
Wire::Limits wire_limits(const S2sConfig& config);

}  // namespace jng::s2s
