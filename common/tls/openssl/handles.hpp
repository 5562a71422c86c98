// Owning handles for the OpenSSL objects the backend holds: every pointer
// OpenSSL hands over is released by its own free function, never by hand.
#pragma once

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace jng::tls::openssl {

template <auto Free>
struct FreeWith {
    template <class T>
    void operator()(T* p) const {
        Free(p);
    }
};

// OPENSSL_free is a macro (it records file and line), so it gets its own type.
struct OpenSslFree {
    void operator()(void* p) const { OPENSSL_free(p); }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, FreeWith<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, FreeWith<SSL_free>>;
using BioPtr = std::unique_ptr<BIO, FreeWith<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, FreeWith<X509_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, FreeWith<GENERAL_NAMES_free>>;
using Utf8Ptr = std::unique_ptr<unsigned char, OpenSslFree>;

}  // namespace jng::tls::openssl
