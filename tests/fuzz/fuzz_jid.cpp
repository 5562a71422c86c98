// Fuzz target: JID parsing. A JID that parses is normalized: parsing its
// string form again gives the same JID.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto jid = jng::Jid::parse(input);
    if (!jid) return 0;
    auto again = jng::Jid::parse(jid->str());
    if (!again || !(*again == *jid)) __builtin_trap();
    if (jid->bare().str() != jid->bare_str()) __builtin_trap();
    return 0;
}
