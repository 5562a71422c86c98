// A small streaming JSON writer for the run summary: objects, arrays,
// escaped strings, numbers (non-finite ones written as null).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jng::loadgen {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    // Inside an object: the next value's key.
    JsonWriter& key(std::string_view k);

    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(double d);
    JsonWriter& value(uint64_t n);
    JsonWriter& value(int64_t n);
    JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
    JsonWriter& value(unsigned n) { return value(static_cast<uint64_t>(n)); }
    JsonWriter& value(bool b);
    JsonWriter& null();

    const std::string& str() const { return out_; }

private:
    void separate();
    std::string out_;
    // Per open container: has it got a member yet?
    std::vector<bool> has_member_;
    bool after_key_ = false;
};

void append_json_string(std::string& out, std::string_view s);

}  // namespace jng::loadgen
