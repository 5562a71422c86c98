// RoutingTable.
#include "routing_table.hpp"

#include <algorithm>

namespace jng::router {

Status RoutingTable::bind(std::string_view name, ConnId id, std::string_view holder, bool multi) {
    auto [it, inserted] = names_.try_emplace(std::string(name));
    Entry& e = it->second;
    if (inserted) {
        e.multi = multi;
    } else {
        for (const auto& h : e.holders) {
            if (h.id == id) return {};  // binding twice is harmless
        }
        if (!e.multi || !multi) return fail("conflict");
    }
    e.holders.push_back(Holder{id, std::string(holder)});
    e.ring.add(holder);
    return {};
}

void RoutingTable::unbind(std::string_view name, ConnId id) {
    const auto it = names_.find(name);
    if (it == names_.end()) return;
    Entry& e = it->second;
    const auto h = std::find_if(e.holders.begin(), e.holders.end(),
                                [&](const Holder& x) { return x.id == id; });
    if (h == e.holders.end()) return;
    e.ring.remove(h->component);
    e.holders.erase(h);
    if (e.holders.empty()) names_.erase(it);
}

Status RoutingTable::bind_default(ConnId id) {
    if (default_ && *default_ != id) return fail("conflict");
    default_ = id;
    return {};
}

void RoutingTable::unbind_default(ConnId id) {
    if (default_ == id) default_.reset();
}

bool RoutingTable::held_by(std::string_view name, ConnId id) const {
    const auto* hs = holders(name);
    if (!hs) return false;
    return std::any_of(hs->begin(), hs->end(), [&](const Holder& h) { return h.id == id; });
}

const std::vector<RoutingTable::Holder>* RoutingTable::holders(std::string_view name) const {
    const auto it = names_.find(name);
    return it == names_.end() ? nullptr : &it->second.holders;
}

std::optional<ConnId> RoutingTable::resolve(std::string_view name, std::string_view key) const {
    const auto it = names_.find(name);
    if (it == names_.end()) return std::nullopt;
    const Entry& e = it->second;
    if (e.holders.size() == 1) return e.holders.front().id;
    const std::string& chosen = e.ring.pick(key);
    for (const auto& h : e.holders) {
        if (h.component == chosen) return h.id;
    }
    return e.holders.front().id;
}

}  // namespace jng::router
