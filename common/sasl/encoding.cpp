// Public base64 helpers over the libgsasl converters.
#include "sasl/encoding.hpp"

#include "sasl/gsasl_util.hpp"

namespace jng::sasl {

std::string base64_encode(std::string_view raw) { return detail::base64_encode(raw).value_or(""); }

Result<std::string> base64_decode(std::string_view text) {
    std::string out;
    if (!detail::base64_decode(text, out)) return fail("invalid base64");
    return out;
}

}  // namespace jng::sasl
