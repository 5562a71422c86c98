// What the server keeps instead of a password: one SCRAM credential per hash
// (RFC 5802 §3). Keys are stored as hex; the exchange converts them to the
// base64 libgsasl 2.2.0 actually reads for GSASL_SCRAM_STOREDKEY/SERVERKEY.
#pragma once

#include <string>

namespace jng::sasl {

enum class Hash { kSha1, kSha256 };

struct ScramCredential {
    int iterations = 0;
    std::string salt;        // base64
    std::string stored_key;  // hex (lower case as written; either case read)
    std::string server_key;  // hex
    bool empty() const { return iterations == 0; }
    bool operator==(const ScramCredential&) const = default;
};

}  // namespace jng::sasl
