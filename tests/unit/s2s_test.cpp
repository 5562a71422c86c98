// s2s building blocks: certificate identities (RFC 6125 as RFC 6120 §13.7
// uses it), XEP-0185 dialback keys and the XEP-0220 elements.
#include <catch.hpp>

#include "dialback.hpp"
#include "identity.hpp"
#include "wire.hpp"

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

TEST_CASE("dialback answers and errors as a server stream carries them") {
    namespace db = jng::s2s::dialback;
    using jng::s2s::kServerStream;
    using jng::xml::to_string;
    // XEP-0220 §2: with the 'db' prefix our stream header declares.
    CHECK(to_string(db::answer("result", "montague.example", "capulet.example", "valid"),
                    kServerStream) ==
          "<db:result from='montague.example' to='capulet.example' type='valid'/>");
    // §2.4: the <error/> is in jabber:server, the stream's own namespace.
    CHECK(to_string(db::error("verify", "montague.example", "capulet.example", "item-not-found"),
                    kServerStream) ==
          "<db:verify from='montague.example' to='capulet.example' type='error'>"
          "<error type='cancel'>"
          "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:verify>");
    CHECK(to_string(db::error("result", "montague.example", "capulet.example",
                              "remote-server-timeout"),
                    kServerStream) ==
          "<db:result from='montague.example' to='capulet.example' type='error'>"
          "<error type='wait'>"
          "<remote-server-timeout xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
          "</db:result>");
}

TEST_CASE("the verdict in an authoritative server's db:verify") {
    namespace db = jng::s2s::dialback;
    auto verify = [](const char* type) {
        jng::xml::Element v("verify", db::kNs);
        v.set_attr("from", "montague.example").set_attr("to", "capulet.example");
        v.set_attr("id", "417GAF25");
        if (type) v.set_attr("type", type);
        return db::verdict_of(v);
    };
    CHECK(verify("valid").kind == db::Verdict::Kind::kValid);
    CHECK(verify("invalid").kind == db::Verdict::Kind::kInvalid);
    // Anything but an explicit "valid" is no proof.
    CHECK(verify(nullptr).kind == db::Verdict::Kind::kInvalid);
    CHECK(verify("VALID").kind == db::Verdict::Kind::kInvalid);
    // §2.4's table: the authoritative server's item-not-found becomes
    // remote-server-not-found for the initiating server.
    const auto error = verify("error");
    CHECK(error.kind == db::Verdict::Kind::kError);
    CHECK(error.condition == "remote-server-not-found");
}
