// Fuzz target: config files. Any bytes give a document or an error with a
// location, and reading settings from a document never fails harder than
// recording errors.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto doc = jng::config::Document::parse(input, "fuzz.xml");
    if (!doc) {
        if (doc.message().rfind("fuzz.xml:", 0) != 0) __builtin_trap();
        return 0;
    }
    jng::config::Reader r(*doc);
    r.string("id");
    r.integer("listen@port", 5222, 1, 65535);
    r.boolean("tls@required", true);
    r.choice("log/level", "info", {"debug", "info"});
    for (const auto* n : r.all("local/id")) r.at(*n).string("@name");
    r.reject_unknown();
    for (const auto& e : r.errors()) {
        if (e.rfind("fuzz.xml", 0) != 0) __builtin_trap();
    }
    return 0;
}
