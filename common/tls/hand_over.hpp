// What both backends' sessions do with the bytes they hand out.
#pragma once

#include <string>

namespace jng::tls {

// Appends `from` to `out` (moving the buffer itself when `out` is empty) and
// leaves `from` without capacity: an idle connection keeps no buffer sized
// for its largest flight or read.
inline void hand_over(std::string& from, std::string& out) {
    if (out.empty()) {
        out.swap(from);
    } else {
        out.append(from);
    }
    std::string().swap(from);
}

}  // namespace jng::tls
