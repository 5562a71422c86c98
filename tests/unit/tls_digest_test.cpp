// Digests the protocols need (XEP-0114 handshake, XEP-0185 dialback keys),
// checked against the published test vectors.
#include <catch.hpp>
#include <span>
#include <string>
#include <string_view>

#include "hex_util.hpp"
#include "tls/tls.hpp"

using namespace jng::tls;

TEST_CASE("the build names its TLS backend", "[tls]") {
    CHECK(backend_name() == JNG_TLS_BACKEND_NAME);
}

TEST_CASE("SHA-1 matches FIPS 180 vectors", "[tls]") {
    CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    CHECK(sha1_hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_CASE("SHA-256 matches FIPS 180 vectors", "[tls]") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("digests cover embedded NUL bytes", "[tls]") {
    const std::string with_nul("a\0b", 3);
    CHECK(sha1_hex(with_nul) != sha1_hex("a"));
    CHECK(sha256_hex(with_nul) != sha256_hex("a"));
}

TEST_CASE("HMAC-SHA-256 matches RFC 4231", "[tls]") {
    // Test case 1.
    CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    // Test case 2: a key shorter than the output.
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // Test case 6: a key longer than the block size is hashed first.
    CHECK(hmac_sha256_hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("HMAC-SHA-256 with an empty key and message", "[tls]") {
    CHECK(hmac_sha256_hex("", "") ==
          "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("the XEP-0114 handshake digest is lowercase hex of SHA-1(id + secret)", "[tls]") {
    // XEP-0114 §3, with the stream id and secret of its examples.
    CHECK(sha1_hex(std::string("3BF96D75") + "private") ==
          "4c49733a15591f6b2ae16d13586975e9d4c31e9d");
}

namespace {
std::string pbkdf2_hex(Prf prf, std::string_view password, std::string_view salt,
                       unsigned iterations, size_t length) {
    std::string out(length, '\0');
    const bool ok = pbkdf2(prf, password, salt, iterations,
                           std::span(reinterpret_cast<unsigned char*>(out.data()), out.size()));
    if (!ok) return "refused";
    return jng::test::to_hex(out);
}
}  // namespace

TEST_CASE("PBKDF2 matches RFC 6070 and RFC 7914", "[tls]") {
    // RFC 6070 §2, HMAC-SHA-1.
    CHECK(pbkdf2_hex(Prf::kHmacSha1, "password", "salt", 1, 20) ==
          "0c60c80f961f0e71f3a9b524af6012062fe037a6");
    CHECK(pbkdf2_hex(Prf::kHmacSha1, "password", "salt", 4096, 20) ==
          "4b007901b765489abead49d926f721d065a429c1");
    CHECK(pbkdf2_hex(Prf::kHmacSha1, std::string_view("pass\0word", 9),
                     std::string_view("sa\0lt", 5), 4096,
                     16) == "56fa6aa75548099dcc37d7f03425e0c3");
    // RFC 7914 §11, HMAC-SHA-256: output longer than one block of the PRF.
    CHECK(pbkdf2_hex(Prf::kHmacSha256, "passwd", "salt", 1, 64) ==
          "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
          "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    // No iterations is no derivation.
    CHECK(pbkdf2_hex(Prf::kHmacSha256, "password", "salt", 0, 32) == "refused");
}
