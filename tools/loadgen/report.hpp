// The outcome of a run: named results, latency histograms and error counts,
// written as one JSON object and as a table for people.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "options.hpp"
#include "stats.hpp"

namespace jng::loadgen {

class Report {
public:
    using Value = std::variant<uint64_t, int64_t, double, std::string, bool>;

    explicit Report(std::string scenario) : scenario_(std::move(scenario)) {}

    // Any number, bool or string; results keep the order they were first
    // set in.
    template <class T>
    void set(std::string_view key, const T& v) {
        set_value(results_, key, to_value(v));
    }
    const Value* get(std::string_view key) const;

    // A latency histogram in microseconds, created on first use; they are
    // reported in that order.
    Histogram& latency(std::string_view name);
    ErrorCounts& errors() { return errors_; }
    const ErrorCounts& errors() const { return errors_; }

    // What the load generator itself used (CPU, memory, SCRAM cache).
    template <class T>
    void set_client(std::string_view key, const T& v) {
        set_value(client_, key, to_value(v));
    }

    std::string to_json(const Options& options) const;
    std::string to_table(const Options& options) const;

private:
    using Fields = std::vector<std::pair<std::string, Value>>;
    template <class T>
    static Value to_value(const T& v) {
        if constexpr (std::is_same_v<T, bool>) {
            return v;
        } else if constexpr (std::is_floating_point_v<T>) {
            return static_cast<double>(v);
        } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
            return static_cast<int64_t>(v);
        } else if constexpr (std::is_integral_v<T>) {
            return static_cast<uint64_t>(v);
        } else {
            return std::string(v);
        }
    }
    static void set_value(Fields& fields, std::string_view key, Value value);

    std::string scenario_;
    Fields results_;
    Fields client_;
    std::vector<std::pair<std::string, Histogram>> latencies_;
    ErrorCounts errors_;
};

}  // namespace jng::loadgen
