// OpenSSL's error queue as text for jng::Error, and the scope guard that keeps
// the queue empty between calls.
#include "tls/openssl/errors.hpp"

#include <openssl/err.h>

#include <array>

namespace jng::tls::openssl {

std::string take_error_queue() {
    std::string text;
    const char* data = nullptr;
    int flags = 0;
    while (const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
        std::array<char, 256> line;
        ERR_error_string_n(code, line.data(), line.size());
        if (!text.empty()) text += "; ";
        text += line.data();
        // Extra detail such as the file name fopen() could not open.
        if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
            text += " (";
            text += data;
            text += ')';
        }
    }
    return text;
}

Error queue_error(std::string_view what) {
    std::string message(what);
    const std::string why = take_error_queue();
    if (!why.empty()) {
        message += ": ";
        message += why;
    }
    return fail(std::move(message));
}

ErrorQueueScope::ErrorQueueScope() { ERR_clear_error(); }
ErrorQueueScope::~ErrorQueueScope() { ERR_clear_error(); }

}  // namespace jng::tls::openssl
