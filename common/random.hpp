// Unpredictable identifiers (stream ids, session ids, generated resources)
// from the kernel's CSPRNG.
#pragma once

#include <string>

namespace jng {

std::string random_hex(size_t bytes);
// URL- and JID-safe letters and digits.
std::string random_token(size_t length);

}  // namespace jng
