// JID parsing and normalization edge cases (RFC 7622).
#include <catch.hpp>

#include <idna.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "jid.hpp"

using jng::Jid;

TEST_CASE("parses the three parts") {
    auto j = Jid::parse("Juliet@Example.COM/Balcony");
    REQUIRE(j);
    CHECK(j->node() == "juliet");
    CHECK(j->domain() == "example.com");
    CHECK(j->resource() == "Balcony");  // resources keep their case
    CHECK(j->str() == "juliet@example.com/Balcony");
    CHECK(j->bare().str() == "juliet@example.com");
    CHECK(j->bare_str() == "juliet@example.com");
    CHECK(j->domain_jid().str() == "example.com");
}

TEST_CASE("domain-only and domain/resource JIDs") {
    auto d = Jid::parse("example.com");
    REQUIRE(d);
    CHECK(d->is_domain());
    auto r = Jid::parse("example.com/some/thing@x");
    REQUIRE(r);
    CHECK_FALSE(r->has_node());
    CHECK(r->resource() == "some/thing@x");  // §3.1: first slash ends the domain
}

TEST_CASE("resource may contain @ and /") {
    auto j = Jid::parse("a@b.c/d@e/f");
    REQUIRE(j);
    CHECK(j->node() == "a");
    CHECK(j->resource() == "d@e/f");
}

TEST_CASE("trailing dot on the domain is removed") {
    auto j = Jid::parse("a@example.com.");
    REQUIRE(j);
    CHECK(j->domain() == "example.com");
}

TEST_CASE("non-ASCII parts are case-folded by stringprep") {
    auto j = Jid::parse("\xc3\x84lice@B\xc3\x9c" "cher.example/R\xc3\xa9s");
    REQUIRE(j);
    CHECK(j->node() == "\xc3\xa4lice");           // Ä -> ä
    CHECK(j->domain() == "b\xc3\xbc" "cher.example");  // Ü -> ü
    CHECK(j->resource() == "R\xc3\xa9s");
}

TEST_CASE("normalized forms compare equal") {
    auto a = Jid::parse("ROMEO@MONTAGUE.LIT/orchard");
    auto b = Jid::parse("romeo@montague.lit/orchard");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a == *b);
    CHECK(std::hash<Jid>{}(*a) == std::hash<Jid>{}(*b));
}

TEST_CASE("IPv6 and IPv4 domains") {
    auto v6 = Jid::parse("a@[::1]/r");
    REQUIRE(v6);
    CHECK(v6->domain() == "[::1]");
    auto v4 = Jid::parse("a@127.0.0.1");
    REQUIRE(v4);
    CHECK(v4->domain() == "127.0.0.1");
    CHECK_FALSE(Jid::parse("a@[::1"));
}

TEST_CASE("malformed JIDs are refused") {
    const char* bad[] = {
        "", "@example.com", "a@", "a@/r", "example.com/", "a@b/",
        "a b@example.com", "a\"b@example.com", "a<b@example.com", "a:b@example.com",
        "a'b@example.com", "a&b@example.com",
        "a@exa mple.com", "a@exa_mple.com", "a@-example.com", "a@..com",
        "a@example.com/\x01", "\xff@example.com",
    };
    for (const char* s : bad) {
        INFO(s);
        CHECK_FALSE(Jid::parse(s));
    }
}

// What libidn says of an ASCII domainpart: IDNA ToASCII with the STD3
// rules, then 1..63 octets per label (as jid::nameprep did before its
// ASCII path).
static bool libidn_accepts(const std::string& domain) {
    char* ascii = nullptr;
    const int rc = idna_to_ascii_8z(domain.c_str(), &ascii, IDNA_USE_STD3_ASCII_RULES);
    std::string out = ascii != nullptr ? ascii : "";
    std::free(ascii);
    if (rc != IDNA_SUCCESS) return false;
    size_t start = 0;
    while (true) {
        const size_t dot = std::min(out.find('.', start), out.size());
        if (dot == start || dot - start > 63) return false;
        if (dot == out.size()) return true;
        start = dot + 1;
    }
}

TEST_CASE("ASCII domainparts are judged as libidn judges them") {
    // Every string of up to four characters over an alphabet with each
    // class that matters: letters of both cases, digits, the hyphen, the
    // dot, and characters host names may not have.
    const std::string alphabet = "aZ7-._ !\x01";
    std::vector<std::string> domains{""};
    std::vector<std::string> last{""};
    for (int len = 1; len <= 4; ++len) {
        std::vector<std::string> next;
        for (const auto& s : last) {
            for (char c : alphabet) next.push_back(s + c);
        }
        domains.insert(domains.end(), next.begin(), next.end());
        last = std::move(next);
    }
    domains.push_back(std::string(63, 'a') + ".example");
    domains.push_back(std::string(64, 'a') + ".example");
    domains.push_back("xn--caf-dma.example");
    size_t accepted = 0;
    for (const auto& d : domains) {
        if (d.empty() || d.back() == '.') continue;  // empty, or a trailing dot nameprep strips
        std::string lower = d;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        INFO(d);
        const auto r = jng::jid::nameprep(d);
        REQUIRE(static_cast<bool>(r) == libidn_accepts(lower));
        if (r) {
            CHECK(*r == lower);
            ++accepted;
        }
    }
    CHECK(accepted > 100);  // the comparison covered accepted names too
}

TEST_CASE("non-ASCII domainparts keep the host name rules in their ASCII form") {
    CHECK(Jid::parse("a@b\xc3\xbc" "cher.example"));
    CHECK_FALSE(Jid::parse("a@b\xc3\xbc..example"));                       // empty label
    CHECK_FALSE(Jid::parse("a@b\xc3\xbc" + std::string(62, 'c') + ".example"));  // ACE > 63
    CHECK_FALSE(Jid::parse("a@b\xc3\xbc_x.example"));                      // not LDH
}

TEST_CASE("length limits") {
    CHECK(Jid::parse(std::string(1023, 'a') + "@example.com"));
    CHECK_FALSE(Jid::parse(std::string(1024, 'a') + "@example.com"));
    CHECK(Jid::parse("a@example.com/" + std::string(1023, 'r')));
    CHECK_FALSE(Jid::parse("a@example.com/" + std::string(1024, 'r')));
    CHECK_FALSE(Jid::parse("a@" + std::string(64, 'd') + ".com"));  // label > 63
    CHECK_FALSE(Jid::parse(std::string(5000, 'x')));
}

TEST_CASE("make builds from parts") {
    auto j = Jid::make("Bob", "Example.org", "home");
    REQUIRE(j);
    CHECK(j->str() == "bob@example.org/home");
    CHECK_FALSE(Jid::make("bob", "", ""));
    CHECK(jng::jid::nodeprep("ABC").value() == "abc");
    CHECK_FALSE(jng::jid::nodeprep("a/b"));
    CHECK_FALSE(jng::jid::resourceprep(""));
}
