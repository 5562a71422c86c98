// HashRing with virtual points per member.
#include "hash_ring.hpp"

#include <algorithm>

namespace jng {

namespace {
const std::string kNone;

// FNV-1a spreads short, similar strings poorly in its high bits; a final
// avalanche (from MurmurHash3's fmix64) makes the ring positions uniform.
uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}
}  // namespace

uint64_t HashRing::hash(std::string_view data) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : data) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return mix(h);
}

void HashRing::add(std::string_view member) {
    if (contains(member)) return;
    members_.emplace_back(member);
    rebuild();
}

void HashRing::remove(std::string_view member) {
    const auto it = std::find(members_.begin(), members_.end(), member);
    if (it == members_.end()) return;
    members_.erase(it);
    rebuild();
}

bool HashRing::contains(std::string_view member) const {
    return std::find(members_.begin(), members_.end(), member) != members_.end();
}

void HashRing::rebuild() {
    points_.clear();
    points_.reserve(members_.size() * kPointsPerMember);
    for (size_t i = 0; i < members_.size(); ++i) {
        for (int p = 0; p < kPointsPerMember; ++p) {
            points_.emplace_back(hash(members_[i] + "#" + std::to_string(p)), i);
        }
    }
    std::sort(points_.begin(), points_.end());
}

const std::string& HashRing::pick(std::string_view key) const {
    if (points_.empty()) return kNone;
    if (members_.size() == 1) return members_.front();
    const uint64_t h = hash(key);
    auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(h, size_t{0}));
    if (it == points_.end()) it = points_.begin();
    return members_[it->second];
}

}  // namespace jng
