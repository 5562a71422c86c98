// OpenSSL's thread-local error queue, turned into our error messages and
// always left empty, so one connection's failure never shows up in another's.
#pragma once

#include <string>
#include <string_view>

#include "result.hpp"

namespace jng::tls::openssl {

// Every queued error, oldest first, as OpenSSL words it
// ("error:0A00010B:SSL routines::wrong version number"), joined by "; ".
// Empties the queue.
std::string take_error_queue();

// `what`, followed by whatever the queue says about why.
Error queue_error(std::string_view what);

// Empties the queue on entry and on every way out of a scope that calls into
// OpenSSL: SSL_get_error() misreads a stale entry as this call's failure.
class ErrorQueueScope {
public:
    ErrorQueueScope();
    ~ErrorQueueScope();
    ErrorQueueScope(const ErrorQueueScope&) = delete;
    ErrorQueueScope& operator=(const ErrorQueueScope&) = delete;
};

}  // namespace jng::tls::openssl
