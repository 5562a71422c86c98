// Comparison of secrets (digests, keys, proofs) that takes the same time
// wherever the inputs differ, so timing reveals nothing about them.
#pragma once

#include <string_view>

namespace jng {

inline bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    // volatile: the compiler may not turn the loop into an early exit.
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace jng
