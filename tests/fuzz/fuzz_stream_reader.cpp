// Fuzz target: the XMPP stream reader. Arbitrary bytes, fed in pieces whose
// sizes come from the input, sometimes with a restart in between: the reader
// must end in events or an error, never a crash, hang or unbounded growth.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ns.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const size_t step = 1 + data[0] % 64;
    const bool restart_midway = data[1] & 1;
    std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

    jng::xml::ReaderLimits limits;
    limits.max_stanza_bytes = 4096;
    limits.max_depth = 16;
    limits.max_names = 256;
    jng::xml::StreamReader reader(limits, std::string(jng::ns::kClient));
    size_t fed = 0;
    while (fed < input.size()) {
        const size_t n = std::min(step, input.size() - fed);
        reader.feed(input.substr(fed, n));
        fed += n;
        while (auto ev = reader.next()) {
            if (ev->kind == jng::xml::StreamEvent::Kind::kElement) {
                // Whatever parsed must serialize and parse back the same.
                const std::string xml = jng::xml::to_string(ev->element);
                auto again = jng::xml::parse_element(xml);
                if (!again || !(*again == ev->element)) __builtin_trap();
            }
        }
        if (restart_midway && fed >= input.size() / 2 && fed - n < input.size() / 2) {
            reader.restart();
        }
    }
    return 0;
}
