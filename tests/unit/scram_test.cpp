// SCRAM credential derivation and checking: the RFC 5802 and RFC 7677 known
// answers (cross-checked with OpenSSL), verify(), SASLprep, bad input.
#include "sasl/scram.hpp"

#include <gsasl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <catch.hpp>
#include <cctype>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hex_util.hpp"

using jng::sasl::derive;
using jng::sasl::derive_with_salt;
using jng::sasl::Hash;
using jng::sasl::saslprep;
using jng::sasl::ScramCredential;
using jng::sasl::verify;
using jng::test::from_hex;
using jng::test::to_hex;

namespace {

std::string from_base64(const std::string& text) {
    char* out = nullptr;
    size_t len = 0;
    REQUIRE(gsasl_base64_from(text.data(), text.size(), &out, &len) == GSASL_OK);
    std::string raw(out, len);
    gsasl_free(out);
    return raw;
}

const EVP_MD* md(Hash hash) {
    return hash == Hash::kSha256 ? EVP_sha256() : EVP_sha1();
}

std::string hmac(Hash hash, const std::string& key, const std::string& data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned len = 0;
    REQUIRE(HMAC(md(hash), key.data(), static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                 &len) != nullptr);
    return std::string(reinterpret_cast<char*>(out.data()), len);
}

std::string digest(Hash hash, const std::string& data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned len = 0;
    REQUIRE(EVP_Digest(data.data(), data.size(), out.data(), &len, md(hash), nullptr) == 1);
    return std::string(reinterpret_cast<char*>(out.data()), len);
}

std::string xor_of(const std::string& a, const std::string& b) {
    REQUIRE(a.size() == b.size());
    std::string r(a);
    for (size_t i = 0; i < r.size(); ++i) {
        r[i] = static_cast<char>(a[i] ^ b[i]);
    }
    return r;
}

// RFC 5802 §3 with OpenSSL: SaltedPassword, then StoredKey and ServerKey.
std::pair<std::string, std::string> openssl_keys(Hash hash, const std::string& password,
                                                 const std::string& salt, int iterations) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> salted{};
    const int len = EVP_MD_get_size(md(hash));
    REQUIRE(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                              reinterpret_cast<const unsigned char*>(salt.data()),
                              static_cast<int>(salt.size()), iterations, md(hash), len,
                              salted.data()) == 1);
    const std::string salted_password(reinterpret_cast<char*>(salted.data()), len);
    const std::string client_key = hmac(hash, salted_password, "Client Key");
    return {digest(hash, client_key), hmac(hash, salted_password, "Server Key")};
}

// One published exchange: its messages determine StoredKey and ServerKey
// (RFC 5802 §3): H(ClientProof XOR HMAC(StoredKey, AuthMessage)) must give
// StoredKey back, and HMAC(ServerKey, AuthMessage) the server signature.
struct Vector {
    Hash hash;
    std::string password, salt_base64;
    int iterations;
    std::string client_first_bare, server_first, client_final_without_proof;
    std::string proof_base64, signature_base64;
};

const Vector kRfc5802{Hash::kSha1,
                      "pencil",
                      "QSXCR+Q6sek8bf92",
                      4096,
                      "n=user,r=fyko+d2lbbFgONRv9qkxdawL",
                      "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
                      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",
                      "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
                      "rmF9pqV8S7suAoZWja4dJRkFsKQ="};

const Vector kRfc7677{
    Hash::kSha256,
    "pencil",
    "W22ZaJ0SNY7soEsUEjb6gQ==",
    4096,
    "n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="};

void check_vector(const Vector& v) {
    const std::string raw_salt = from_base64(v.salt_base64);
    auto credential = derive_with_salt(v.hash, v.password, v.iterations, raw_salt);
    REQUIRE(credential.ok());
    CHECK(credential->iterations == v.iterations);
    CHECK(credential->salt == v.salt_base64);

    const std::string stored = from_hex(credential->stored_key);
    const std::string server = from_hex(credential->server_key);
    const std::string auth_message =
        v.client_first_bare + "," + v.server_first + "," + v.client_final_without_proof;

    const std::string client_signature = hmac(v.hash, stored, auth_message);
    const std::string client_key = xor_of(from_base64(v.proof_base64), client_signature);
    CHECK(digest(v.hash, client_key) == stored);
    CHECK(hmac(v.hash, server, auth_message) == from_base64(v.signature_base64));

    const auto [openssl_stored, openssl_server] =
        openssl_keys(v.hash, v.password, raw_salt, v.iterations);
    CHECK(credential->stored_key == to_hex(openssl_stored));
    CHECK(credential->server_key == to_hex(openssl_server));

    CHECK(verify(v.hash, v.password, *credential));
    CHECK_FALSE(verify(v.hash, "pencil2", *credential));
    CHECK_FALSE(verify(v.hash, "", *credential));
}

}  // namespace

TEST_CASE("derive_with_salt reproduces the RFC 5802 SCRAM-SHA-1 exchange", "[scram]") {
    check_vector(kRfc5802);
}

TEST_CASE("derive_with_salt reproduces the RFC 7677 SCRAM-SHA-256 exchange", "[scram]") {
    check_vector(kRfc7677);
}

TEST_CASE("derive uses a fresh 16-byte salt and the requested count", "[scram]") {
    const Hash hash = GENERATE(Hash::kSha1, Hash::kSha256);
    const size_t key_hex = hash == Hash::kSha256 ? 64 : 40;
    std::set<std::string> salts;
    for (int i = 0; i < 3; ++i) {
        auto credential = derive(hash, "correct horse", 1000);
        REQUIRE(credential.ok());
        CHECK(credential->iterations == 1000);
        CHECK(from_base64(credential->salt).size() == 16);
        CHECK(credential->stored_key.size() == key_hex);
        CHECK(credential->server_key.size() == key_hex);
        CHECK(verify(hash, "correct horse", *credential));
        CHECK_FALSE(verify(hash, "correct horsE", *credential));
        salts.insert(credential->salt);
    }
    CHECK(salts.size() == 3);
    auto standard = derive(hash, "correct horse");
    REQUIRE(standard.ok());
    CHECK(standard->iterations == jng::sasl::kDefaultIterations);
}

TEST_CASE("verify refuses credentials that do not fit", "[scram]") {
    auto sha1 = derive(Hash::kSha1, "pencil", 64);
    REQUIRE(sha1.ok());
    // A SHA-1 credential checked as SHA-256 has keys of the wrong size.
    CHECK_FALSE(verify(Hash::kSha256, "pencil", *sha1));
    CHECK_FALSE(verify(Hash::kSha1, "pencil", ScramCredential{}));

    ScramCredential changed = *sha1;
    changed.iterations = 65;
    CHECK_FALSE(verify(Hash::kSha1, "pencil", changed));
    changed = *sha1;
    changed.stored_key[0] = changed.stored_key[0] == '0' ? '1' : '0';
    CHECK_FALSE(verify(Hash::kSha1, "pencil", changed));
    changed = *sha1;
    changed.stored_key = "not hex";
    CHECK_FALSE(verify(Hash::kSha1, "pencil", changed));
    changed = *sha1;
    changed.salt = "***";
    CHECK_FALSE(verify(Hash::kSha1, "pencil", changed));

    // Upper-case hex (as some importers write it) is read the same.
    changed = *sha1;
    for (char& c : changed.stored_key) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    CHECK(verify(Hash::kSha1, "pencil", changed));
}

TEST_CASE("saslprep follows the RFC 4013 §3 examples", "[scram]") {
    CHECK(*saslprep("I\xC2\xADX") == "IX");  // SOFT HYPHEN mapped to nothing
    CHECK(*saslprep("user") == "user");
    CHECK(*saslprep("USER") == "USER");        // no case folding
    CHECK(*saslprep("\xC2\xAA") == "a");       // NFKC
    CHECK(*saslprep("\xE2\x85\xA8") == "IX");  // ROMAN NUMERAL NINE
    CHECK(*saslprep("a\xC2\xA0"
                    "b") == "a b");      // non-ASCII space mapped to SPACE
    CHECK_FALSE(saslprep("\x07").ok());  // prohibited
    CHECK_FALSE(saslprep("\xD8\xA7"
                         "1")
                    .ok());  // bidi rule
    CHECK_FALSE(saslprep(std::string("a\0b", 3)).ok());
}

TEST_CASE("equivalent passwords derive the same credential", "[scram]") {
    const std::string salt = "0123456789abcdef";
    auto plain = derive_with_salt(Hash::kSha256, "IX", 64, salt);
    auto hyphen = derive_with_salt(Hash::kSha256, "I\xC2\xADX", 64, salt);
    auto numeral = derive_with_salt(Hash::kSha256, "\xE2\x85\xA8", 64, salt);
    REQUIRE(plain.ok());
    REQUIRE(hyphen.ok());
    REQUIRE(numeral.ok());
    CHECK(*plain == *hyphen);
    CHECK(*plain == *numeral);
    CHECK(verify(Hash::kSha256, "I\xC2\xADX", *plain));
}

TEST_CASE("derive refuses what cannot be a credential", "[scram]") {
    CHECK_FALSE(derive(Hash::kSha1, "", 64).ok());
    CHECK_FALSE(derive(Hash::kSha1, "\xC2\xAD", 64).ok());  // empty after SASLprep
    CHECK_FALSE(derive(Hash::kSha1, "pencil", 0).ok());
    CHECK_FALSE(derive(Hash::kSha1, "pencil", -5).ok());
    CHECK_FALSE(derive(Hash::kSha1,
                       "\x07"
                       "bell",
                       64)
                    .ok());
    CHECK_FALSE(derive_with_salt(Hash::kSha1, "pencil", 64, "").ok());
}

TEST_CASE("derive and verify run on several threads at once", "[scram]") {
    constexpr int kThreads = 4;
    std::vector<int> ok(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &ok] {
            const std::string password = "password-" + std::to_string(t);
            for (int i = 0; i < 5; ++i) {
                const Hash hash = (i + t) % 2 == 0 ? Hash::kSha1 : Hash::kSha256;
                auto credential = derive(hash, password, 256);
                if (credential.ok() && verify(hash, password, *credential) &&
                    !verify(hash, password + "x", *credential)) {
                    ++ok[t];
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (int t = 0; t < kThreads; ++t) {
        CHECK(ok[t] == 5);
    }
}
