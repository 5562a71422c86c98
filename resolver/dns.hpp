// DNS queries for the resolver: the records it asks for, an interface the
// lookup logic talks to (so it can be tested with a fake), and its c-ares
// implementation driven by the daemon's libevent loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "log.hpp"
#include "net/loop.hpp"
#include "result.hpp"

struct ares_channeldata;

namespace jng::resolver {

// What one query came back with, reduced to what the lookup decides on.
enum class DnsStatus {
    kOk,             // records in `records`
    kNoData,         // the name exists, but not this type (NOERROR, empty answer)
    kNxDomain,       // the name does not exist
    kTimeout,        // no server answered in time
    kServerFailure,  // SERVFAIL, REFUSED, or the server could not be reached
    kBadResponse,    // an answer we could not parse
};
std::string_view to_string(DnsStatus s);
// NXDOMAIN and NODATA both say "there is nothing", everything else that is
// not kOk says "we could not find out".
inline bool is_failure(DnsStatus s) {
    return s == DnsStatus::kTimeout || s == DnsStatus::kServerFailure ||
           s == DnsStatus::kBadResponse;
}

// RFC 2782. `target` is in presentation form without the trailing dot; the
// root ('.', "no service here") is the empty string.
struct SrvRecord {
    uint16_t priority = 0;
    uint16_t weight = 0;
    uint16_t port = 0;
    std::string target;
    uint32_t ttl = 0;
};

struct SrvAnswer {
    DnsStatus status = DnsStatus::kNoData;
    std::vector<SrvRecord> records;
};

enum class Family { kIpv4, kIpv6 };

struct AddressRecord {
    std::string address;  // textual, IPv6 without brackets
    uint32_t ttl = 0;
};

struct AddressAnswer {
    DnsStatus status = DnsStatus::kNoData;
    std::vector<AddressRecord> records;
};

// A domain (nameprep'ed, possibly with non-ASCII labels) in the ASCII form
// DNS is asked in (IDNA ToASCII, RFC 3490).
Result<std::string> dns_name(std::string_view domain);

// Parses the SRV records in the answer section of a DNS response (the
// owner name is not checked: c-ares matched the question already).
// Malformed input gives an error, never a crash.
Result<std::vector<SrvRecord>> parse_srv_response(const unsigned char* data, size_t size);

// The queries a lookup needs. Callbacks never run inside the call that
// starts the query, and run at most once; a client that is destroyed drops
// the callbacks still pending without calling them.
class DnsClient {
public:
    virtual ~DnsClient() = default;
    virtual void query_srv(const std::string& name, std::function<void(SrvAnswer)> done) = 0;
    virtual void query_address(const std::string& name, Family family,
                               std::function<void(AddressAnswer)> done) = 0;
};

struct DnsConfig {
    // "address" or "address:port" ("[v6]:port"); empty: /etc/resolv.conf.
    std::vector<std::string> servers;
    std::chrono::milliseconds attempt_timeout{1500};
    int tries = 2;
};

// c-ares on the daemon's loop: c-ares tells which sockets to watch
// (ARES_OPT_SOCK_STATE_CB), libevent watches them and a timer drives
// c-ares' retransmissions and timeouts. Nothing blocks, no threads.
class AresClient final : public DnsClient {
public:
    static Result<std::unique_ptr<AresClient>> create(net::Loop& loop, Log& log,
                                                      const DnsConfig& config);
    ~AresClient() override;
    AresClient(const AresClient&) = delete;
    AresClient& operator=(const AresClient&) = delete;

    void query_srv(const std::string& name, std::function<void(SrvAnswer)> done) override;
    void query_address(const std::string& name, Family family,
                       std::function<void(AddressAnswer)> done) override;

    // The servers c-ares uses, for the start-up log line.
    std::string servers() const;
    size_t pending() const { return pending_; }

private:
    struct Query;
    struct LibraryGuard {
        LibraryGuard();
        ~LibraryGuard();
        LibraryGuard(const LibraryGuard&) = delete;
        LibraryGuard& operator=(const LibraryGuard&) = delete;
        int status;
    };
    struct ChannelDeleter {
        void operator()(ares_channeldata* channel) const;
    };

    AresClient(net::Loop& loop, Log& log);
    void send(const std::string& name, int type, std::unique_ptr<Query> query);
    void deliver(Query* query, int status, const unsigned char* data, int size);
    static void on_answer(void* arg, int status, int timeouts, unsigned char* data, int size);
    static void on_socket_state(void* arg, int fd, int readable, int writable);
    static void on_socket_ready(int fd, short what, void* arg);
    void process(int read_fd, int write_fd);
    void rearm_timer();

    net::Loop& loop_;
    Log& log_;
    LibraryGuard library_;
    // Declared before the channel: destroying the channel closes its
    // sockets, and on_socket_state removes their events from this map.
    std::map<int, net::EventPtr> sockets_;
    net::Timer timer_;
    std::unique_ptr<ares_channeldata, ChannelDeleter> channel_;
    size_t pending_ = 0;
    bool submitting_ = false;  // inside ares_query: answers are deferred
    net::Lifeline lifeline_;
};

}  // namespace jng::resolver
