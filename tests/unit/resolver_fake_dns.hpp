// A scripted DnsClient for the resolver's tests: answers come from maps the
// test fills, and are delivered only when the test calls run() - never
// inside the query, as the real client promises.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dns.hpp"

namespace jng::resolver::test {

class FakeDns final : public DnsClient {
public:
    std::map<std::string, SrvAnswer> srv;
    std::map<std::pair<std::string, Family>, AddressAnswer> addresses;
    std::vector<std::string> asked;  // "SRV name", "A name", "AAAA name", in order
    bool silent = false;             // never answer (a dead server)

    void query_srv(const std::string& name, std::function<void(SrvAnswer)> done) override {
        asked.push_back("SRV " + name);
        if (silent) return;
        const auto it = srv.find(name);
        SrvAnswer a = it == srv.end() ? SrvAnswer{DnsStatus::kNxDomain, {}} : it->second;
        queue_.push_back([done = std::move(done), a]() mutable { done(std::move(a)); });
    }

    void query_address(const std::string& name, Family family,
                       std::function<void(AddressAnswer)> done) override {
        asked.push_back((family == Family::kIpv4 ? "A " : "AAAA ") + name);
        if (silent) return;
        const auto it = addresses.find({name, family});
        AddressAnswer a = it == addresses.end() ? AddressAnswer{DnsStatus::kNoData, {}} : it->second;
        queue_.push_back([done = std::move(done), a]() mutable { done(std::move(a)); });
    }

    // Delivers every answer, including those of queries the answers cause.
    void run() {
        while (!queue_.empty()) {
            auto next = std::move(queue_.front());
            queue_.pop_front();
            next();
        }
    }

    size_t count(const std::string& query) const {
        size_t n = 0;
        for (const auto& q : asked) n += q == query;
        return n;
    }

    // Shorthands for filling the maps.
    static SrvRecord record(uint16_t priority, uint16_t weight, uint16_t port, std::string target,
                            uint32_t ttl = 3600) {
        return SrvRecord{priority, weight, port, std::move(target), ttl};
    }
    void set_srv(const std::string& name, std::vector<SrvRecord> records) {
        srv[name] = SrvAnswer{DnsStatus::kOk, std::move(records)};
    }
    void set_host(const std::string& name, std::vector<std::string> v4, std::vector<std::string> v6,
                  uint32_t ttl = 3600) {
        AddressAnswer a4{v4.empty() ? DnsStatus::kNoData : DnsStatus::kOk, {}};
        for (auto& a : v4) a4.records.push_back({a, ttl});
        AddressAnswer a6{v6.empty() ? DnsStatus::kNoData : DnsStatus::kOk, {}};
        for (auto& a : v6) a6.records.push_back({a, ttl});
        addresses[{name, Family::kIpv4}] = a4;
        addresses[{name, Family::kIpv6}] = a6;
    }

private:
    std::deque<std::function<void()>> queue_;
};

}  // namespace jng::resolver::test
