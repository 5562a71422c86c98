// The keyed module chain (after Prosody's events): modules register handlers
// under keys that say what they handle - "iq-get/host/urn:xmpp:ping:ping",
// "iq-set/bare/jabber:iq:roster:query", "message/bare", "presence/full",
// "message" - with a priority. A stanza is offered to the handlers of all
// its keys in order of priority (a more specific key first when priorities
// tie) until one says it handled or dropped it. So a filter registered on
// "message" at a high priority sees every message before delivery does.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "packet.hpp"
#include "string_map.hpp"

namespace jng::sm {

enum class Verdict { kPass, kHandled, kDrop };

using Handler = std::function<Verdict(Packet&)>;

class Chain {
public:
    explicit Chain(std::string name) : name_(std::move(name)) {}

    void on(std::string_view key, int priority, std::string_view module, Handler handler);

    // Runs the handlers for `keys` (most specific first). Returns the verdict
    // of the handler that ended it, or kPass when none did.
    Verdict dispatch(const std::vector<std::string>& keys, Packet& packet);

    // The keys a stanza is dispatched under. `target` is "host", "bare" or
    // "full" (or "none" for presence without 'to' on the out chain).
    static std::vector<std::string> keys_for(const Packet& packet, std::string_view target);

    const std::string& name() const { return name_; }
    std::vector<std::string> registered_keys() const;

private:
    struct Entry {
        int priority;
        size_t order;  // registration order breaks ties: config order of modules
        std::string module;
        Handler handler;
    };
    const std::vector<const Entry*>& merged(std::span<const std::string> keys);

    std::string name_;
    StringMap<std::vector<Entry>> handlers_;
    // The handlers of a key list in call order, by the list's first key
    // (which determines the rest). Rebuilt after any registration. Only
    // registered keys are cached: a stanza with an unknown payload namespace
    // must not grow the cache.
    StringMap<std::vector<const Entry*>> merged_;
    size_t registrations_ = 0;
};

}  // namespace jng::sm
