// Deriving and checking SCRAM credentials (PBKDF2 through the TLS backend,
// the rest through libgsasl). These are deliberately slow: call them on a
// worker thread, never on the event loop.
#pragma once

#include <string>
#include <string_view>

#include "result.hpp"
#include "sasl/credential.hpp"

namespace jng::sasl {

// RFC 7677 §4 recommends at least 4096 iterations.
constexpr int kDefaultIterations = 4096;

// SASLprep (RFC 4013) of a password, as SCRAM requires before hashing.
Result<std::string> saslprep(std::string_view password);

// A fresh credential with a random 16-byte salt.
Result<ScramCredential> derive(Hash hash, std::string_view password,
                               int iterations = kDefaultIterations);
// The same with a given raw (not base64) salt; for known-answer tests and
// for importing.
Result<ScramCredential> derive_with_salt(Hash hash, std::string_view password, int iterations,
                                         std::string_view raw_salt);

// True when `password` produces `credential` (used by PLAIN).
bool verify(Hash hash, std::string_view password, const ScramCredential& credential);

}  // namespace jng::sasl
