// SRV selection per RFC 2782 and XEP-0368.
#include "srv.hpp"

#include <algorithm>
#include <memory>
#include <random>

#include "jid.hpp"

namespace jng::resolver {

namespace {
// Bounds the work on a hostile answer and keeps weight sums in 32 bits
// (256 * 65535 < 2^32).
constexpr size_t kMaxRecordsPerSet = 256;
}  // namespace

Rng make_rng() {
    auto engine = std::make_shared<std::mt19937>(std::random_device{}());
    return [engine](uint32_t bound) {
        return std::uniform_int_distribution<uint32_t>(0, bound)(*engine);
    };
}

SrvSet classify_srv(const SrvAnswer& answer, Tls tls) {
    SrvSet set;
    if (is_failure(answer.status)) {
        set.verdict = SrvVerdict::kFailed;
        return set;
    }
    if (answer.status != DnsStatus::kOk || answer.records.empty()) {
        set.verdict = SrvVerdict::kNone;
        return set;
    }
    // RFC 2782: "A Target of '.' means that the service is decidedly not
    // available at this domain."
    if (answer.records.size() == 1 && answer.records.front().target.empty()) {
        set.verdict = SrvVerdict::kNoService;
        return set;
    }
    for (const SrvRecord& r : answer.records) {
        if (set.candidates.size() == kMaxRecordsPerSet) break;
        if (r.target.empty() || r.port == 0) continue;
        auto host = jid::nameprep(r.target);
        if (!host || host->front() == '[') continue;
        set.candidates.push_back(Candidate{*host, r.port, r.priority, r.weight, tls, r.ttl});
    }
    // Records were published, none of them usable: the domain's operator
    // named no host we could connect to, which is not a reason to try the
    // domain's own address instead.
    set.verdict = set.candidates.empty() ? SrvVerdict::kUnusable : SrvVerdict::kTargets;
    return set;
}

std::vector<Candidate> order_candidates(std::vector<Candidate> candidates, const Rng& rng) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.priority < b.priority; });
    std::vector<Candidate> out;
    out.reserve(candidates.size());
    auto begin = candidates.begin();
    while (begin != candidates.end()) {
        auto end = std::find_if(begin, candidates.end(), [&](const Candidate& c) {
            return c.priority != begin->priority;
        });
        std::vector<Candidate> group(std::make_move_iterator(begin), std::make_move_iterator(end));
        std::stable_partition(group.begin(), group.end(),
                              [](const Candidate& c) { return c.weight == 0; });
        while (!group.empty()) {
            uint32_t sum = 0;
            for (const Candidate& c : group) sum += c.weight;
            const uint32_t pick = rng(sum);
            uint32_t running = 0;
            auto chosen = group.begin();
            for (auto it = group.begin(); it != group.end(); ++it) {
                running += it->weight;
                if (running >= pick) {
                    chosen = it;
                    break;
                }
            }
            out.push_back(std::move(*chosen));
            group.erase(chosen);
        }
        begin = end;
    }
    return out;
}

std::vector<AddressRecord> interleave_families(const std::vector<AddressRecord>& v6,
                                               const std::vector<AddressRecord>& v4) {
    std::vector<AddressRecord> out;
    out.reserve(v6.size() + v4.size());
    for (size_t i = 0; i < std::max(v6.size(), v4.size()); ++i) {
        if (i < v6.size()) out.push_back(v6[i]);
        if (i < v4.size()) out.push_back(v4[i]);
    }
    return out;
}

}  // namespace jng::resolver
