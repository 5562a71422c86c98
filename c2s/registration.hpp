// XEP-0077 in-band registration before authentication: a new account is a
// nodeprep'd username and SCRAM credentials derived (on the crypto workers)
// from the chosen password.
#pragma once

#include "net/loop.hpp"
#include "xml/element.hpp"

namespace jng::c2s {

class ClientStream;

class Registration {
public:
    explicit Registration(ClientStream& stream) : stream_(stream) {}

    // An iq carrying <query xmlns='jabber:iq:register'/>.
    void handle(const xml::Element& iq);

    static constexpr size_t kMaxPasswordBytes = 1024;

private:
    void create(const xml::Element& iq, std::string username, std::string password);

    ClientStream& stream_;
    bool busy_ = false;
    net::Lifeline lifeline_;
};

}  // namespace jng::c2s
