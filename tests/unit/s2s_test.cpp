// s2s building blocks: certificate identities (RFC 6125 as RFC 6120 §13.7
// uses it) and XEP-0185 dialback keys.
#include <catch.hpp>

#include "dialback.hpp"
#include "identity.hpp"

using jng::s2s::certificate_names;
using jng::tls::PeerCertificate;

namespace {
PeerCertificate cert(std::vector<std::string> dns, std::vector<std::string> srv = {},
                     std::vector<std::string> xmpp = {}, std::string cn = {}) {
    PeerCertificate c;
    c.present = true;
    c.chain_valid = true;
    c.dns_names = std::move(dns);
    c.srv_names = std::move(srv);
    c.xmpp_addrs = std::move(xmpp);
    c.common_name = std::move(cn);
    return c;
}
}  // namespace

TEST_CASE("DNS-ID matches exactly and case-insensitively") {
    CHECK(certificate_names(cert({"example.com"}), "example.com"));
    CHECK(certificate_names(cert({"Example.COM"}), "example.com"));
    CHECK(certificate_names(cert({"example.com."}), "example.com"));
    CHECK_FALSE(certificate_names(cert({"example.org"}), "example.com"));
    CHECK_FALSE(certificate_names(cert({"xexample.com"}), "example.com"));
}

TEST_CASE("a wildcard covers exactly one leftmost label") {
    const auto c = cert({"*.example.com"});
    CHECK(certificate_names(c, "conference.example.com"));
    CHECK_FALSE(certificate_names(c, "example.com"));
    CHECK_FALSE(certificate_names(c, "a.b.example.com"));
    CHECK_FALSE(certificate_names(cert({"c*.example.com"}), "conference.example.com"));
    CHECK_FALSE(certificate_names(cert({"*"}), "com"));
}

TEST_CASE("SRV-ID and XmppAddr identities") {
    CHECK(certificate_names(cert({}, {"_xmpp-server.example.com"}), "example.com"));
    CHECK_FALSE(certificate_names(cert({}, {"_xmpp-client.example.com"}), "example.com"));
    CHECK(certificate_names(cert({}, {}, {"example.com"}), "example.com"));
}

TEST_CASE("the CN counts only without subjectAltName identities") {
    CHECK(certificate_names(cert({}, {}, {}, "example.com"), "example.com"));
    CHECK_FALSE(certificate_names(cert({"other.org"}, {}, {}, "example.com"), "example.com"));
}

TEST_CASE("internationalized domains compare in A-label form") {
    // bücher.example as certificates carry it.
    CHECK(certificate_names(cert({"xn--bcher-kva.example"}), "b\xc3\xbc" "cher.example"));
}

TEST_CASE("authenticates needs a verified chain as well as the name") {
    auto c = cert({"example.com"});
    CHECK(jng::s2s::certificate_authenticates(c, "example.com"));
    c.chain_valid = false;
    CHECK_FALSE(jng::s2s::certificate_authenticates(c, "example.com"));
    PeerCertificate none;
    CHECK_FALSE(jng::s2s::certificate_authenticates(none, "example.com"));
}

TEST_CASE("XEP-0185 dialback key") {
    // The XEP's example inputs; the expected value computed independently
    // with Python's hashlib/hmac.
    CHECK(jng::s2s::dialback::key("s3cr3tf0rd14lb4ck", "domain2.tld", "domain1.tld", "D60000229F") ==
          "5e598fae34b90be084fb6a4a8a543ceb33549140bac9d829ef8d734d900616e4");
    CHECK(jng::s2s::dialback::key("s3cr3tf0rd14lb4ck", "domain2.tld", "domain1.tld", "D60000229G") !=
          jng::s2s::dialback::key("s3cr3tf0rd14lb4ck", "domain2.tld", "domain1.tld", "D60000229F"));
    CHECK(jng::s2s::dialback::same_key("abc", "abc"));
    CHECK_FALSE(jng::s2s::dialback::same_key("abc", "abd"));
    CHECK_FALSE(jng::s2s::dialback::same_key("", ""));
}
