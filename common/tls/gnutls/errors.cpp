// GnuTLS error codes turned into our error messages. GnuTLS returns its
// errors as values (no thread-local queue to keep clean, unlike OpenSSL).
#include "tls/gnutls/errors.hpp"

#include <gnutls/gnutls.h>

namespace jng::tls::gnutls {

std::string describe(int code) {
    std::string text = "error:";
    const char* name = gnutls_strerror_name(code);
    text += name != nullptr ? name : std::to_string(code);
    text += ": ";
    text += gnutls_strerror(code);
    return text;
}

Error library_error(std::string_view what, int code) {
    std::string message(what);
    message += ": ";
    message += describe(code);
    return fail(std::move(message));
}

}  // namespace jng::tls::gnutls
