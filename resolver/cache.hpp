// Answers by domain, each kept for as long as the policy allows: the DNS
// TTL clamped to the configured bounds for found answers, a fixed time for
// "no such service" and for failures. Bounded in size: the least recently
// used entry goes first. The clock is injected so expiry is tested without
// waiting.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>

#include "answer.hpp"

namespace jng::resolver {

using Clock = std::function<std::chrono::steady_clock::time_point()>;

struct CachePolicy {
    size_t max_entries = 10000;
    std::chrono::seconds min_ttl{60};
    std::chrono::seconds max_ttl{86400};
    std::chrono::seconds negative_ttl{60};  // remote-server-not-found
    std::chrono::seconds failure_ttl{5};    // remote-server-timeout, and degraded answers
};

// How long `answer` may be kept under `policy`; zero: not at all.
std::chrono::seconds cache_time(const Answer& answer, const CachePolicy& policy);

class Cache {
public:
    Cache(CachePolicy policy, Clock clock);

    // The answer for `domain` if one is cached and fresh (and marks it
    // recently used); nullptr otherwise. Valid until the next change.
    const Answer* find(const std::string& domain);
    // Stores `answer` for cache_time(); replaces what was there.
    void put(const std::string& domain, Answer answer);
    // Drops every expired entry.
    size_t purge();

    size_t size() const { return index_.size(); }
    const CachePolicy& policy() const { return policy_; }

private:
    struct Entry {
        std::string domain;
        Answer answer;
        std::chrono::steady_clock::time_point expires;
    };
    using List = std::list<Entry>;

    void erase(List::iterator it);

    CachePolicy policy_;
    Clock clock_;
    List entries_;  // most recently used first
    std::unordered_map<std::string, List::iterator> index_;
};

}  // namespace jng::resolver
