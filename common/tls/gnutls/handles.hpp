// Owning handles for the GnuTLS objects the backend holds: every handle and
// every buffer GnuTLS hands over is released by its own function, never by hand.
#pragma once

#include <gnutls/gnutls.h>
#include <gnutls/x509-ext.h>
#include <gnutls/x509.h>

#include <memory>
#include <string_view>
#include <type_traits>

namespace jng::tls::gnutls {

template <auto Free>
struct FreeWith {
    template <class T>
    void operator()(T* p) const {
        Free(p);
    }
};

// GnuTLS's handle types are pointers to opaque structs; the unique_ptr owns
// the pointee.
template <class Handle, auto Free>
using Owned = std::unique_ptr<std::remove_pointer_t<Handle>, FreeWith<Free>>;

using SessionPtr = Owned<gnutls_session_t, gnutls_deinit>;
using CredentialsPtr = Owned<gnutls_certificate_credentials_t, gnutls_certificate_free_credentials>;
using PriorityPtr = Owned<gnutls_priority_t, gnutls_priority_deinit>;
using X509CrtPtr = Owned<gnutls_x509_crt_t, gnutls_x509_crt_deinit>;
using SubjectAltNamesPtr = Owned<gnutls_subject_alt_names_t, gnutls_subject_alt_names_deinit>;

// A gnutls_datum_t whose data GnuTLS allocated for us (a file's contents, a
// ticket key, channel binding data). Wiped before it is freed, because it may
// hold a secret: a private key, a ticket key.
class OwnedDatum {
public:
    OwnedDatum() = default;
    ~OwnedDatum() { clear(); }
    OwnedDatum(const OwnedDatum&) = delete;
    OwnedDatum& operator=(const OwnedDatum&) = delete;

    gnutls_datum_t* get() { return &datum_; }
    const gnutls_datum_t* get() const { return &datum_; }
    bool empty() const { return datum_.data == nullptr; }
    std::string_view view() const {
        return {reinterpret_cast<const char*>(datum_.data), datum_.size};
    }

private:
    void clear() {
        if (datum_.data == nullptr) return;
        gnutls_memset(datum_.data, 0, datum_.size);
        gnutls_free(datum_.data);
        datum_.size = 0;
    }

    gnutls_datum_t datum_{nullptr, 0};
};

}  // namespace jng::tls::gnutls
