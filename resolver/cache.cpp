// The answer cache: a map into a recency list.
#include "cache.hpp"

#include <algorithm>

namespace jng::resolver {

std::chrono::seconds cache_time(const Answer& answer, const CachePolicy& policy) {
    switch (answer.outcome) {
        case Outcome::kFound: {
            const auto ttl = std::clamp(std::chrono::seconds(answer.ttl), policy.min_ttl,
                                        policy.max_ttl);
            // Part of it failed: retry soon, it may be complete next time.
            return answer.degraded ? std::min(ttl, policy.failure_ttl) : ttl;
        }
        case Outcome::kNotFound: return policy.negative_ttl;
        case Outcome::kTimeout: return policy.failure_ttl;
    }
    return std::chrono::seconds(0);
}

Cache::Cache(CachePolicy policy, Clock clock) : policy_(policy), clock_(std::move(clock)) {}

const Answer* Cache::find(const std::string& domain) {
    const auto it = index_.find(domain);
    if (it == index_.end()) return nullptr;
    if (it->second->expires <= clock_()) {
        erase(it->second);
        return nullptr;
    }
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->answer;
}

void Cache::put(const std::string& domain, Answer answer) {
    if (const auto it = index_.find(domain); it != index_.end()) erase(it->second);
    const auto keep = cache_time(answer, policy_);
    if (keep <= std::chrono::seconds(0) || policy_.max_entries == 0) return;
    entries_.push_front(Entry{domain, std::move(answer), clock_() + keep});
    index_.emplace(domain, entries_.begin());
    while (index_.size() > policy_.max_entries) erase(std::prev(entries_.end()));
}

size_t Cache::purge() {
    const auto now = clock_();
    size_t dropped = 0;
    for (auto it = entries_.begin(); it != entries_.end();) {
        auto next = std::next(it);
        if (it->expires <= now) {
            erase(it);
            ++dropped;
        }
        it = next;
    }
    return dropped;
}

void Cache::erase(List::iterator it) {
    index_.erase(it->domain);
    entries_.erase(it);
}

}  // namespace jng::resolver
