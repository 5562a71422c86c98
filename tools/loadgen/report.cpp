// Report as JSON (for scripts and for merging shards) and as a table.
#include "report.hpp"

#include <cstdio>

#include "json.hpp"

namespace jng::loadgen {

namespace {

void write_value(JsonWriter& w, const Report::Value& v) {
    std::visit([&w](const auto& x) { w.value(x); }, v);
}

std::string format_value(const Report::Value& v) {
    char buf[64];
    if (const auto* u = std::get_if<uint64_t>(&v)) return std::to_string(*u);
    if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&v)) {
        std::snprintf(buf, sizeof buf, "%.2f", *d);
        return buf;
    }
    if (const auto* b = std::get_if<bool>(&v)) return *b ? "yes" : "no";
    return std::get<std::string>(v);
}

double ms(uint64_t us) { return static_cast<double>(us) / 1000.0; }

struct Quantile {
    const char* name;
    double p;
};
constexpr Quantile kQuantiles[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}};

}  // namespace

void Report::set_value(Fields& fields, std::string_view key, Value value) {
    for (auto& [k, v] : fields) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    fields.emplace_back(std::string(key), std::move(value));
}

const Report::Value* Report::get(std::string_view key) const {
    for (const auto& [k, v] : results_) {
        if (k == key) return &v;
    }
    return nullptr;
}

Histogram& Report::latency(std::string_view name) {
    for (auto& [k, h] : latencies_) {
        if (k == name) return h;
    }
    latencies_.emplace_back(std::string(name), Histogram());
    return latencies_.back().second;
}

std::string Report::to_json(const Options& o) const {
    JsonWriter w;
    w.begin_object();
    w.key("scenario").value(scenario_);
    w.key("target").begin_object();
    w.key("address").value(o.target.text);
    w.key("domain").value(o.domain);
    w.key("tls").value(tls_mode_name(o.tls));
    w.key("mechanism").value(mechanism_name(o.mech));
    w.end_object();
    w.key("shard").begin_object().key("index").value(o.shard.index).key("count").value(o.shard.count).end_object();
    w.key("config").begin_object();
    w.key("in_flight").value(static_cast<uint64_t>(o.in_flight));
    w.key("window").value(static_cast<uint64_t>(o.window));
    w.key("rate").value(o.rate);
    w.key("duration_s").value(o.duration);
    w.key("warmup_s").value(o.warmup);
    w.key("drain_s").value(o.drain);
    w.key("step_timeout_s").value(o.step_timeout);
    w.key("source_addresses").value(static_cast<uint64_t>(o.sources.size()));
    w.end_object();

    w.key("results").begin_object();
    for (const auto& [k, v] : results_) {
        w.key(k);
        write_value(w, v);
    }
    w.end_object();

    w.key("latency_ms").begin_object();
    for (const auto& [name, h] : latencies_) {
        w.key(name).begin_object();
        w.key("count").value(h.count());
        w.key("min").value(ms(h.min()));
        w.key("mean").value(h.mean() / 1000.0);
        for (const auto& q : kQuantiles) w.key(q.name).value(ms(h.percentile(q.p)));
        w.key("max").value(ms(h.max()));
        w.end_object();
    }
    w.end_object();

    w.key("errors").begin_object();
    w.key("total").value(errors_.total());
    w.key("by_reason").begin_object();
    for (const auto& [k, n] : errors_.all()) w.key(k).value(n);
    w.end_object();
    w.end_object();

    w.key("client").begin_object();
    for (const auto& [k, v] : client_) {
        w.key(k);
        write_value(w, v);
    }
    w.end_object();

    // Buckets (highest value in microseconds, count): enough to merge the
    // summaries of several shards into exact-as-ever percentiles.
    w.key("histograms_us").begin_object();
    for (const auto& [name, h] : latencies_) {
        w.key(name).begin_array();
        for (const auto& [value, count] : h.buckets()) {
            w.begin_array().value(value).value(count).end_array();
        }
        w.end_array();
    }
    w.end_object();
    w.end_object();
    return w.str() + "\n";
}

std::string Report::to_table(const Options& o) const {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%s against %s (%s, %s, %.*s), shard %u/%u\n", scenario_.c_str(),
                  o.target.text.c_str(), o.domain.c_str(), std::string(tls_mode_name(o.tls)).c_str(),
                  static_cast<int>(mechanism_name(o.mech).size()), mechanism_name(o.mech).data(),
                  o.shard.index, o.shard.count);
    out += line;
    for (const auto& [k, v] : results_) {
        std::snprintf(line, sizeof line, "  %-28s %14s\n", k.c_str(), format_value(v).c_str());
        out += line;
    }
    if (!latencies_.empty()) {
        std::snprintf(line, sizeof line, "  %-16s %9s %9s %9s %9s %9s %9s %9s\n", "latency (ms)", "count",
                      "mean", "p50", "p90", "p99", "p99.9", "max");
        out += line;
        for (const auto& [name, h] : latencies_) {
            std::snprintf(line, sizeof line, "  %-16s %9llu %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n",
                          name.c_str(), static_cast<unsigned long long>(h.count()), h.mean() / 1000.0,
                          ms(h.percentile(50)), ms(h.percentile(90)), ms(h.percentile(99)),
                          ms(h.percentile(99.9)), ms(h.max()));
            out += line;
        }
    }
    if (errors_.total() == 0) {
        out += "  errors: none\n";
    } else {
        std::snprintf(line, sizeof line, "  errors: %llu\n", static_cast<unsigned long long>(errors_.total()));
        out += line;
        for (const auto& [k, n] : errors_.all()) {
            std::snprintf(line, sizeof line, "    %-60.60s %9llu\n", k.c_str(), static_cast<unsigned long long>(n));
            out += line;
        }
    }
    if (!client_.empty()) {
        out += "  load generator:";
        for (const auto& [k, v] : client_) out += " " + k + "=" + format_value(v);
        out += "\n";
    }
    return out;
}

}  // namespace jng::loadgen
