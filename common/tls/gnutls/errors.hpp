// GnuTLS error codes as text for jng::Error, in one shape for every message
// the backend produces: "error:GNUTLS_E_<NAME>: <what gnutls_strerror says>".
#pragma once

#include <string>
#include <string_view>

#include "result.hpp"

namespace jng::tls::gnutls {

// "error:GNUTLS_E_FILE_ERROR: Error while reading file." The symbolic name is
// what operators search for; the sentence is what they read.
std::string describe(int code);

// `what`, followed by describe(code).
Error library_error(std::string_view what, int code);

}  // namespace jng::tls::gnutls
