// Chain dispatch.
#include "chain.hpp"

#include <algorithm>

namespace jng::sm {

void Chain::on(std::string_view key, int priority, std::string_view module, Handler handler) {
    handlers_[std::string(key)].push_back(
        Entry{priority, registrations_++, std::string(module), std::move(handler)});
    merged_.clear();
}

const std::vector<const Chain::Entry*>& Chain::merged(std::span<const std::string> keys) {
    if (const auto it = merged_.find(keys.front()); it != merged_.end()) return it->second;
    std::vector<std::pair<size_t, const Entry*>> all;  // (specificity rank, entry)
    for (size_t rank = 0; rank < keys.size(); ++rank) {
        const auto it = handlers_.find(keys[rank]);
        if (it == handlers_.end()) continue;
        for (const Entry& e : it->second) all.emplace_back(rank, &e);
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        if (a.second->priority != b.second->priority) return a.second->priority > b.second->priority;
        if (a.first != b.first) return a.first < b.first;
        return a.second->order < b.second->order;
    });
    std::vector<const Entry*> out;
    out.reserve(all.size());
    for (const auto& [rank, e] : all) out.push_back(e);
    return merged_.emplace(keys.front(), std::move(out)).first->second;
}

Verdict Chain::dispatch(const std::vector<std::string>& keys, Packet& packet) {
    std::span<const std::string> view(keys);
    while (!view.empty() && handlers_.find(view.front()) == handlers_.end() && view.size() > 1) {
        view = view.subspan(1);
    }
    if (view.empty()) return Verdict::kPass;
    for (const Entry* e : merged(view)) {
        const Verdict v = e->handler(packet);
        if (v != Verdict::kPass) return v;
    }
    return Verdict::kPass;
}

std::vector<std::string> Chain::keys_for(const Packet& p, std::string_view target) {
    std::vector<std::string> keys;
    keys.reserve(4);
    switch (p.kind) {
        case stanza::Kind::kIq: {
            const std::string type = "iq-" + std::string(p.type());
            if (p.type() == "get" || p.type() == "set") {
                if (const xml::Element* payload = p.stanza.first_element()) {
                    keys.push_back(type + "/" + std::string(target) + "/" + payload->ns() + ":" +
                                   payload->name());
                }
            }
            keys.push_back(type + "/" + std::string(target));
            keys.push_back("iq/" + std::string(target));
            keys.emplace_back("iq");
            break;
        }
        case stanza::Kind::kMessage:
            keys.push_back("message/" + std::string(target));
            keys.emplace_back("message");
            break;
        case stanza::Kind::kPresence:
            keys.push_back("presence/" + std::string(target));
            keys.emplace_back("presence");
            break;
        case stanza::Kind::kOther: break;
    }
    return keys;
}

std::vector<std::string> Chain::registered_keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : handlers_) out.push_back(k);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace jng::sm
