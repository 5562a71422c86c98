// The pure part of a lookup: which SRV records count, the order RFC 2782
// and XEP-0368 give them, and how the addresses of one host are ordered.
// No DNS and no clock here, and the randomness is injected, so all of it is
// tested with fixed inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "answer.hpp"
#include "dns.hpp"

namespace jng::resolver {

// A uniformly distributed integer in [0, bound] (both ends included).
using Rng = std::function<uint32_t(uint32_t bound)>;
// The daemon's: a Mersenne twister seeded from the kernel.
Rng make_rng();

// One SRV record of either service, ready to be ordered.
struct Candidate {
    std::string host;
    uint16_t port = 0;
    uint16_t priority = 0;
    uint16_t weight = 0;
    Tls tls = Tls::kStartTls;
    uint32_t ttl = 0;
    bool operator==(const Candidate&) const = default;
};

// What one SRV query says about a domain.
enum class SrvVerdict {
    kTargets,    // usable records
    kNone,       // no records (NXDOMAIN or NODATA): fall back if the other has none either
    kNoService,  // the single target '.' (RFC 2782): decidedly not available
    kUnusable,   // records, but none with a valid host and port: as kNoService
    kFailed,     // the query failed (timeout, SERVFAIL, garbage)
};

struct SrvSet {
    SrvVerdict verdict = SrvVerdict::kNone;
    std::vector<Candidate> candidates;
};

// Classifies an SRV answer and keeps the records that are usable: a target
// that is a valid host name (nameprep) and a port in 1..65535. A '.' among
// other records is dropped (it only means something alone).
SrvSet classify_srv(const SrvAnswer& answer, Tls tls);

// RFC 2782 "Usage rules": ascending priority; within one priority, weighted
// random selection - zero weights first, running sums, pick the first
// record whose running sum reaches a random number in [0, sum]. XEP-0368
// §3: xmpps- and xmpp- records are one set, so candidates of both services
// are passed together and their priorities and weights mix directly.
std::vector<Candidate> order_candidates(std::vector<Candidate> candidates, const Rng& rng);

// The addresses of one host in the order to try them: IPv6 first, then
// alternating families (RFC 8305 §4, without the timers). Both families
// of one host stay together in the answer.
std::vector<AddressRecord> interleave_families(const std::vector<AddressRecord>& v6,
                                               const std::vector<AddressRecord>& v4);

}  // namespace jng::resolver
