// The client side of SASL (SCRAM-SHA-256, PLAIN) on libgsasl's client API.
// SCRAM's salted password is cached per account and salt, as real clients
// cache it, so that repeated logins do not spend the load generator's CPU on
// PBKDF2; the cache can be kept in a file between runs.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "result.hpp"

struct Gsasl;
struct Gsasl_session;

namespace jng::loadgen {

class SaslLibrary {
public:
    static Result<std::unique_ptr<SaslLibrary>> create();
    ~SaslLibrary();
    SaslLibrary(const SaslLibrary&) = delete;
    SaslLibrary& operator=(const SaslLibrary&) = delete;

    Gsasl* get() const { return ctx_; }

    // Lines "NODE SALT ITERATIONS HEX"; a missing file is an empty cache.
    Status load_cache(const std::string& path);
    Status save_cache(const std::string& path) const;
    size_t cache_hits() const { return hits_; }
    size_t cache_misses() const { return misses_; }

    // For the libgsasl callback and for SaslClient.
    const std::string* cached(std::string_view node, std::string_view salt, std::string_view iter);
    void remember(std::string_view node, std::string_view salt, std::string_view iter,
                  std::string_view hex);
    void count_derivation() { ++misses_; }

private:
    SaslLibrary() = default;
    static std::string key(std::string_view node, std::string_view salt, std::string_view iter);
    Gsasl* ctx_ = nullptr;
    std::unordered_map<std::string, std::string> salted_;
    size_t hits_ = 0;
    size_t misses_ = 0;
};

class SaslClient {
public:
    // `mechanism`: "SCRAM-SHA-256" or "PLAIN".
    static Result<std::unique_ptr<SaslClient>> start(SaslLibrary& library, std::string_view mechanism,
                                                     std::string_view node, std::string_view password);
    ~SaslClient();
    SaslClient(const SaslClient&) = delete;
    SaslClient& operator=(const SaslClient&) = delete;

    // The text of <auth/> ("=" for an empty initial response, RFC 6120 §6.4.2).
    Result<std::string> initial_response();
    // A <challenge/>'s text in, the <response/>'s text out.
    Result<std::string> respond(std::string_view challenge);
    // The additional data of <success/>: SCRAM's server-final message, whose
    // signature proves the server knew the password too.
    Status verify_success(std::string_view data);

    std::string_view node() const { return node_; }
    SaslLibrary& library() { return library_; }

private:
    SaslClient(SaslLibrary& library, Gsasl_session* session, std::string node, bool scram)
        : library_(library), session_(session), node_(std::move(node)), scram_(scram) {}
    Result<std::string> step(std::string_view input);
    void remember_salted_password();

    SaslLibrary& library_;
    Gsasl_session* session_;  // owned: gsasl_finish in the destructor
    std::string node_;
    bool scram_;
    bool complete_ = false;
};

}  // namespace jng::loadgen
