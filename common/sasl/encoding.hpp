// Base64 for protocol code outside SASL exchanges (SASL EXTERNAL between
// servers), from libgsasl like everything else SASL.
#pragma once

#include <string>
#include <string_view>

#include "result.hpp"

namespace jng::sasl {

std::string base64_encode(std::string_view raw);
Result<std::string> base64_decode(std::string_view text);

}  // namespace jng::sasl
