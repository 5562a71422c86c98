// The SASL server: which mechanisms to offer on a connection, and starting
// an Exchange for the one the client picked. Loop thread only.
#include "sasl/server.hpp"

#include <array>

#include "sasl/context.hpp"

namespace jng::sasl {
namespace {

using detail::Context;
using detail::kMechanisms;
using detail::MechanismInfo;

// -PLUS only where there is a binding to check; PLAIN only where the
// password is not readable on the wire (RFC 6120 §13.8 leaves the rest to
// SCRAM).
bool offered(const MechanismInfo& mechanism, bool tls, const ChannelBindings& cb) {
    if (mechanism.plus && !cb.any()) {
        return false;
    }
    if (mechanism.id == detail::Mechanism::kPlain && !tls) {
        return false;
    }
    return true;
}

class ServerImpl final : public Server {
  public:
    explicit ServerImpl(std::shared_ptr<const Context> ctx) : ctx_(std::move(ctx)) {}

    std::vector<std::string> mechanisms(bool tls, const ChannelBindings& cb) const override {
        std::vector<std::string> names;
        for (const MechanismInfo& mechanism : kMechanisms) {
            if (offered(mechanism, tls, cb)) {
                names.emplace_back(mechanism.name);
            }
        }
        return names;
    }

    std::unique_ptr<Exchange> start(std::string_view name, bool tls,
                                    const ChannelBindings& cb) override {
        for (const MechanismInfo& mechanism : kMechanisms) {
            if (mechanism.name == name) {
                return offered(mechanism, tls, cb) ? detail::make_exchange(ctx_, mechanism, cb)
                                                   : nullptr;
            }
        }
        return nullptr;
    }

  private:
    std::shared_ptr<const Context> ctx_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::create() {
    // 2.1.0 brought tls-exporter (RFC 9266) channel binding.
    if (gsasl_check_version("2.1.0") == nullptr) {
        return fail("libgsasl 2.1.0 or later is required");
    }
    Gsasl* raw = nullptr;
    const int rc = gsasl_init(&raw);
    if (rc != GSASL_OK) {
        return fail(std::string("libgsasl: ") + gsasl_strerror(rc));
    }
    auto ctx = std::make_shared<Context>();
    ctx->gsasl.reset(raw);
    for (const MechanismInfo& mechanism : kMechanisms) {
        const std::string name(mechanism.name);
        if (gsasl_server_support_p(raw, name.c_str()) == 0) {
            return fail("libgsasl was built without " + name);
        }
    }
    gsasl_callback_set(raw, &detail::exchange_callback);

    std::array<char, 32> key{};
    if (gsasl_random(key.data(), key.size()) != GSASL_OK) {
        return fail("libgsasl: no randomness");
    }
    auto hex = detail::hex_encode(std::string_view(key.data(), key.size()));
    detail::wipe(key.data(), key.size());
    if (!hex) {
        return fail("out of memory");
    }
    ctx->unknown_user_key = std::move(*hex);
    return std::unique_ptr<Server>(std::make_unique<ServerImpl>(std::move(ctx)));
}

}  // namespace jng::sasl
