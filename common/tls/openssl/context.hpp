// The OpenSSL Context: one SSL_CTX configured from ContextOptions (versions,
// ciphers, identity, trust store, peer verification policy) that mints Sessions.
#pragma once

#include <memory>
#include <string_view>

#include "tls/openssl/handles.hpp"
#include "tls/tls.hpp"

namespace jng::tls::openssl {

class OpenSslContext final : public Context {
public:
    OpenSslContext(SslCtxPtr ctx, Role role);
    OpenSslContext(const OpenSslContext&) = delete;
    OpenSslContext& operator=(const OpenSslContext&) = delete;

    // Each SSL holds its own reference to the SSL_CTX, so sessions may outlive
    // the context that made them.
    std::unique_ptr<Session> new_session(std::string_view server_name) override;
    Role role() const override { return role_; }

private:
    SslCtxPtr ctx_;
    Role role_;
};

}  // namespace jng::tls::openssl
