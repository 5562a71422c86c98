// SASL for one client stream (RFC 6120 §6): drives a sasl::Exchange and does
// what it asks for off the loop - the account lookup through storage, the
// PLAIN password check on the crypto workers.
#pragma once

#include <memory>

#include "net/loop.hpp"
#include "sasl/server.hpp"
#include "xml/element.hpp"

namespace jng::c2s {

class ClientStream;

class SaslAuth {
public:
    explicit SaslAuth(ClientStream& stream) : stream_(stream) {}

    // <auth/>, <response/> or <abort/> in the SASL namespace.
    void handle(const xml::Element& element);

private:
    void advance(sasl::Exchange::Step step);
    void lookup_credentials();
    void check_password();
    void succeed(const std::string& data);
    void failure(std::string_view condition, std::string_view text = {});

    ClientStream& stream_;
    std::unique_ptr<sasl::Exchange> exchange_;
    sasl::ScramCredential sha1_;  // the account's credentials, for PLAIN
    sasl::ScramCredential sha256_;
    bool waiting_ = false;  // a lookup or check is running: the client must wait
    net::Lifeline lifeline_;
};

}  // namespace jng::c2s
