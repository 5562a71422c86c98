// The GnuTLS Context: certificate credentials and a priority cache built from
// ContextOptions (versions, ciphers, identity, trust, peer policy) minting Sessions.
#pragma once

#include <memory>
#include <string_view>

#include "tls/gnutls/handles.hpp"
#include "tls/tls.hpp"

namespace jng::tls::gnutls {

// What every session of one context shares. A gnutls_session_t only points at
// its credentials and priorities, so each session holds this alive too: that
// is what lets sessions outlive the context that made them.
struct Settings {
    Role role = Role::kServer;
    bool request_client_cert = false;
    CredentialsPtr credentials;
    PriorityPtr priority;
    OwnedDatum ticket_key;  // servers: the key sealing TLS session tickets
};

class GnuTlsContext final : public Context {
public:
    explicit GnuTlsContext(std::shared_ptr<Settings> settings);
    GnuTlsContext(const GnuTlsContext&) = delete;
    GnuTlsContext& operator=(const GnuTlsContext&) = delete;

    std::unique_ptr<Session> new_session(std::string_view server_name) override;
    Role role() const override { return settings_->role; }

private:
    std::shared_ptr<Settings> settings_;
};

}  // namespace jng::tls::gnutls
