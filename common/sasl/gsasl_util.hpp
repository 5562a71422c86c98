// Owners and converters around libgsasl's C API, shared by the SCRAM helpers
// and the server exchange; internal to jng_sasl, not part of its interface.
#pragma once

#include <gsasl.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sasl/credential.hpp"

namespace jng::sasl::detail {

struct GsaslDone {
    void operator()(Gsasl* ctx) const { gsasl_done(ctx); }
};
struct GsaslFinish {
    void operator()(Gsasl_session* session) const { gsasl_finish(session); }
};
struct GsaslFree {
    void operator()(char* p) const { gsasl_free(p); }
};
using GsaslPtr = std::unique_ptr<Gsasl, GsaslDone>;
using SessionPtr = std::unique_ptr<Gsasl_session, GsaslFinish>;
using GsaslChars = std::unique_ptr<char, GsaslFree>;

Gsasl_hash to_gsasl(Hash hash);
size_t hash_length(Hash hash);

// Overwrite, then forget: for passwords and anything that stands in for one
// (decoded PLAIN messages, salted passwords, client keys).
void wipe(void* data, size_t size);
void wipe(std::string& s);

// The encoders fail only when memory runs out; the decoders also on bad
// input. base64_decode writes straight into `out` (no temporaries to leave
// copies behind) and wipes libgsasl's buffer, since what it decodes may be a
// PLAIN message with a password in it.
std::optional<std::string> base64_encode(std::string_view raw);
bool base64_decode(std::string_view text, std::string& out);
std::optional<std::string> hex_encode(std::string_view raw);
// Accepts either case; libgsasl itself only reads lower case.
std::optional<std::string> hex_decode(std::string_view hex);

// Compares without stopping at the first difference, so the time taken says
// nothing about where two keys differ.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace jng::sasl::detail
