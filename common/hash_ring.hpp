// A consistent hash ring: which member (session manager) serves a key (bare
// JID). The router and the session managers use this same code, so both
// agree on where a user lives; adding or removing a member moves only the
// keys that member gains or loses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jng {

class HashRing {
public:
    static constexpr int kPointsPerMember = 128;

    void add(std::string_view member);
    void remove(std::string_view member);
    bool contains(std::string_view member) const;
    bool empty() const { return members_.empty(); }
    size_t size() const { return members_.size(); }
    const std::vector<std::string>& members() const { return members_; }

    // The member serving `key`; empty when the ring is empty.
    const std::string& pick(std::string_view key) const;

    // 64-bit FNV-1a: stable across processes, builds and hosts.
    static uint64_t hash(std::string_view data);

private:
    void rebuild();
    std::vector<std::string> members_;
    std::vector<std::pair<uint64_t, size_t>> points_;  // sorted by hash; index into members_
};

}  // namespace jng
