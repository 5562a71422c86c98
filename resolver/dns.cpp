// AresClient: c-ares channels on libevent, and the SRV answer parser (c-ares
// 1.18's own SRV parser drops the TTLs the cache needs).
#include "dns.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <event2/event.h>
#include <idna.h>

#include <array>
#include <cstdlib>

namespace jng::resolver {

namespace {

constexpr int kTypeA = 1;
constexpr int kTypeAaaa = 28;
constexpr int kTypeSrv = 33;
constexpr int kClassIn = 1;
constexpr int kMaxAddressesPerAnswer = 64;

struct AresStringFree {
    void operator()(char* s) const { ares_free_string(s); }
};
using AresString = std::unique_ptr<char, AresStringFree>;

struct AresDataFree {
    void operator()(void* d) const { ares_free_data(d); }
};

uint16_t be16(const unsigned char* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t be32(const unsigned char* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// RFC 2181 §8: a TTL with the top bit set is treated as zero.
uint32_t sane_ttl(uint32_t ttl) { return ttl > 0x7fffffffu ? 0 : ttl; }

// The length of the (possibly compressed) name at `pos`, or an error.
Result<size_t> skip_name(const unsigned char* data, size_t size, size_t pos) {
    char* raw = nullptr;
    long used = 0;
    if (pos >= size ||
        ares_expand_name(data + pos, data, static_cast<int>(size), &raw, &used) != ARES_SUCCESS) {
        return fail("bad name");
    }
    AresString guard(raw);
    return static_cast<size_t>(used);
}

DnsStatus status_of(int ares_status) {
    switch (ares_status) {
        case ARES_SUCCESS: return DnsStatus::kOk;
        case ARES_ENODATA: return DnsStatus::kNoData;
        // A name that cannot be asked for has no records either.
        case ARES_ENOTFOUND:
        case ARES_EBADNAME: return DnsStatus::kNxDomain;
        case ARES_ETIMEOUT: return DnsStatus::kTimeout;
        case ARES_EFORMERR:
        case ARES_EBADRESP: return DnsStatus::kBadResponse;
        default: return DnsStatus::kServerFailure;  // SERVFAIL, REFUSED, unreachable, ...
    }
}

}  // namespace

std::string_view to_string(DnsStatus s) {
    switch (s) {
        case DnsStatus::kOk: return "ok";
        case DnsStatus::kNoData: return "no records";
        case DnsStatus::kNxDomain: return "NXDOMAIN";
        case DnsStatus::kTimeout: return "timeout";
        case DnsStatus::kServerFailure: return "server failure";
        case DnsStatus::kBadResponse: return "malformed answer";
    }
    return "?";
}

Result<std::string> dns_name(std::string_view domain) {
    const std::string in(domain);
    char* raw = nullptr;
    const int rc = idna_to_ascii_8z(in.c_str(), &raw, IDNA_USE_STD3_ASCII_RULES);
    std::unique_ptr<char, decltype(&std::free)> ascii(raw, &std::free);
    if (rc != IDNA_SUCCESS) return fail(idna_strerror(static_cast<Idna_rc>(rc)));
    std::string out(ascii.get());
    // RFC 1035 §2.3.4: 253 characters in presentation form, and the SRV
    // prefix must still fit.
    if (out.empty() || out.size() > 253 - 19) return fail("name too long for DNS");
    return out;
}

Result<std::vector<SrvRecord>> parse_srv_response(const unsigned char* data, size_t size) {
    // RFC 1035 §4.1: a 12-byte header, the questions, then the answers.
    if (size < 12 || size > 65535) return fail("short DNS message");
    const size_t questions = be16(data + 4);
    const size_t answers = be16(data + 6);
    size_t pos = 12;
    for (size_t i = 0; i < questions; ++i) {
        auto n = skip_name(data, size, pos);
        if (!n) return fail("bad question name");
        pos += *n + 4;  // QTYPE, QCLASS
        if (pos > size) return fail("truncated question");
    }
    std::vector<SrvRecord> out;
    for (size_t i = 0; i < answers; ++i) {
        auto n = skip_name(data, size, pos);
        if (!n) return fail("bad owner name");
        pos += *n;
        if (pos + 10 > size) return fail("truncated record");
        const int type = be16(data + pos);
        const int klass = be16(data + pos + 2);
        const uint32_t ttl = sane_ttl(be32(data + pos + 4));
        const size_t rdlength = be16(data + pos + 8);
        const size_t rdata = pos + 10;
        if (rdata + rdlength > size) return fail("record data past the end");
        pos = rdata + rdlength;
        if (type != kTypeSrv || klass != kClassIn) continue;  // CNAMEs and the like
        // RFC 2782: priority, weight, port, then the target name.
        if (rdlength < 7) return fail("short SRV record");
        char* raw = nullptr;
        long used = 0;
        if (ares_expand_name(data + rdata + 6, data, static_cast<int>(size), &raw, &used) !=
            ARES_SUCCESS) {
            return fail("bad SRV target");
        }
        AresString target(raw);
        if (static_cast<size_t>(used) > rdlength - 6) return fail("SRV target past its record");
        out.push_back(SrvRecord{be16(data + rdata), be16(data + rdata + 2),
                                be16(data + rdata + 4), std::string(target.get()), ttl});
    }
    return out;
}

// ---- AresClient ------------------------------------------------------------

struct AresClient::Query {
    AresClient* owner = nullptr;
    int type = 0;
    std::function<void(SrvAnswer)> srv_done;
    std::function<void(AddressAnswer)> address_done;
};

AresClient::LibraryGuard::LibraryGuard() : status(ares_library_init(ARES_LIB_INIT_ALL)) {}
AresClient::LibraryGuard::~LibraryGuard() {
    if (status == ARES_SUCCESS) ares_library_cleanup();
}

void AresClient::ChannelDeleter::operator()(ares_channeldata* channel) const {
    ares_destroy(channel);
}

AresClient::AresClient(net::Loop& loop, Log& log)
    : loop_(loop), log_(log), timer_(loop, [this] { process(ARES_SOCKET_BAD, ARES_SOCKET_BAD); }) {}

AresClient::~AresClient() {
    // ares_destroy answers the pending queries with ARES_EDESTRUCTION; their
    // owners are going away with us and are not called.
    channel_.reset();
}

Result<std::unique_ptr<AresClient>> AresClient::create(net::Loop& loop, Log& log,
                                                       const DnsConfig& config) {
    std::unique_ptr<AresClient> client(new AresClient(loop, log));
    if (client->library_.status != ARES_SUCCESS) {
        return fail(std::string("c-ares: ") + ares_strerror(client->library_.status));
    }
    ares_options options{};
    options.sock_state_cb = &AresClient::on_socket_state;
    options.sock_state_cb_data = client.get();
    options.timeout = static_cast<int>(config.attempt_timeout.count());
    options.tries = config.tries;
    ares_channel channel = nullptr;
    const int rc = ares_init_options(&channel, &options,
                                     ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (rc != ARES_SUCCESS) return fail(std::string("c-ares: ") + ares_strerror(rc));
    client->channel_.reset(channel);
    if (!config.servers.empty()) {
        std::string csv;
        for (const auto& s : config.servers) csv += (csv.empty() ? "" : ",") + s;
        if (const int src = ares_set_servers_ports_csv(channel, csv.c_str()); src != ARES_SUCCESS) {
            return fail("c-ares: DNS servers '" + csv + "': " + ares_strerror(src));
        }
    }
    return client;
}

std::string AresClient::servers() const {
    ares_addr_port_node* raw = nullptr;
    if (ares_get_servers_ports(channel_.get(), &raw) != ARES_SUCCESS) return "?";
    std::unique_ptr<void, AresDataFree> guard(raw);
    std::string out;
    for (const ares_addr_port_node* n = raw; n; n = n->next) {
        char text[INET6_ADDRSTRLEN] = {};
        inet_ntop(n->family, &n->addr, text, sizeof text);
        const bool v6 = n->family == AF_INET6;
        out += (out.empty() ? "" : " ") + std::string(v6 ? "[" : "") + text + (v6 ? "]" : "") +
               ":" + std::to_string(n->udp_port ? n->udp_port : 53);
    }
    return out.empty() ? "none" : out;
}

void AresClient::query_srv(const std::string& name, std::function<void(SrvAnswer)> done) {
    auto q = std::make_unique<Query>();
    q->type = kTypeSrv;
    q->srv_done = std::move(done);
    send(name, kTypeSrv, std::move(q));
}

void AresClient::query_address(const std::string& name, Family family,
                               std::function<void(AddressAnswer)> done) {
    const int type = family == Family::kIpv4 ? kTypeA : kTypeAaaa;
    auto q = std::make_unique<Query>();
    q->type = type;
    q->address_done = std::move(done);
    send(name, type, std::move(q));
}

void AresClient::send(const std::string& name, int type, std::unique_ptr<Query> query) {
    query->owner = this;
    ++pending_;
    // c-ares may answer from inside ares_query (a name it refuses, no
    // servers): deliver() defers such answers so callers never re-enter.
    submitting_ = true;
    ares_query(channel_.get(), name.c_str(), kClassIn, type, &AresClient::on_answer,
               query.release());
    submitting_ = false;
    rearm_timer();
}

void AresClient::on_answer(void* arg, int status, int, unsigned char* data, int size) {
    std::unique_ptr<Query> q(static_cast<Query*>(arg));
    --q->owner->pending_;
    if (status == ARES_EDESTRUCTION) return;
    q->owner->deliver(q.get(), status, data, size);
}

void AresClient::deliver(Query* q, int status, const unsigned char* data, int size) {
    const size_t len = data && size > 0 ? static_cast<size_t>(size) : 0;
    auto run = [this](auto fn, auto answer) {
        if (!submitting_) {
            fn(std::move(answer));
            return;
        }
        loop_.defer([w = lifeline_.watch(), fn = std::move(fn), answer = std::move(answer)]() mutable {
            if (net::alive(w)) fn(std::move(answer));
        });
    };
    if (q->type == kTypeSrv) {
        SrvAnswer a{status_of(status), {}};
        if (a.status == DnsStatus::kOk) {
            auto records = parse_srv_response(data, len);
            if (!records) {
                log_.debug("DNS: malformed SRV answer: {}", records.message());
                a.status = DnsStatus::kBadResponse;
            } else if (records->empty()) {
                a.status = DnsStatus::kNoData;
            } else {
                a.records = std::move(*records);
            }
        }
        run(std::move(q->srv_done), std::move(a));
        return;
    }
    AddressAnswer a{status_of(status), {}};
    if (a.status == DnsStatus::kOk) {
        int count = kMaxAddressesPerAnswer;
        int rc;
        char text[INET6_ADDRSTRLEN] = {};
        if (q->type == kTypeA) {
            std::array<ares_addrttl, kMaxAddressesPerAnswer> ttls{};
            rc = ares_parse_a_reply(data, size, nullptr, ttls.data(), &count);
            for (int i = 0; rc == ARES_SUCCESS && i < count; ++i) {
                inet_ntop(AF_INET, &ttls[i].ipaddr, text, sizeof text);
                a.records.push_back({text, static_cast<uint32_t>(std::max(ttls[i].ttl, 0))});
            }
        } else {
            std::array<ares_addr6ttl, kMaxAddressesPerAnswer> ttls{};
            rc = ares_parse_aaaa_reply(data, size, nullptr, ttls.data(), &count);
            for (int i = 0; rc == ARES_SUCCESS && i < count; ++i) {
                inet_ntop(AF_INET6, &ttls[i].ip6addr, text, sizeof text);
                a.records.push_back({text, static_cast<uint32_t>(std::max(ttls[i].ttl, 0))});
            }
        }
        if (rc != ARES_SUCCESS) {
            a.status = status_of(rc);
            if (a.status == DnsStatus::kOk) a.status = DnsStatus::kBadResponse;
        } else if (a.records.empty()) {
            a.status = DnsStatus::kNoData;
        }
    }
    run(std::move(q->address_done), std::move(a));
}

void AresClient::on_socket_state(void* arg, int fd, int readable, int writable) {
    auto* self = static_cast<AresClient*>(arg);
    if (!readable && !writable) {
        self->sockets_.erase(fd);
        return;
    }
    const short what = static_cast<short>(EV_PERSIST | (readable ? EV_READ : 0) |
                                          (writable ? EV_WRITE : 0));
    net::EventPtr& ev = self->sockets_[fd];
    if (!ev) {
        ev.reset(event_new(self->loop_.base(), fd, what, &AresClient::on_socket_ready, self));
    } else {
        event_del(ev.get());
        event_assign(ev.get(), self->loop_.base(), fd, what, &AresClient::on_socket_ready, self);
    }
    event_add(ev.get(), nullptr);
}

void AresClient::on_socket_ready(int fd, short what, void* arg) {
    static_cast<AresClient*>(arg)->process((what & EV_READ) ? fd : ARES_SOCKET_BAD,
                                           (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
}

void AresClient::process(int read_fd, int write_fd) {
    ares_process_fd(channel_.get(), read_fd, write_fd);
    rearm_timer();
}

void AresClient::rearm_timer() {
    timeval tv{};
    if (!ares_timeout(channel_.get(), nullptr, &tv)) {
        timer_.stop();
        return;
    }
    // Rounded up: waking a little early would only find nothing to do.
    const auto ms = std::chrono::milliseconds(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
    timer_.start(ms);
}

}  // namespace jng::resolver
