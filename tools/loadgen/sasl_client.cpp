// SaslLibrary and SaslClient on gsasl_client_start / gsasl_step64.
#include "sasl_client.hpp"

#include <gsasl.h>

#include <fstream>
#include <sstream>

namespace jng::loadgen {

namespace {

// libgsasl asks for what the session lacks. The only thing we answer is the
// salted password, from the cache, when the server's salt and iteration count
// are those of a previous login of the same account.
int callback(Gsasl* ctx, Gsasl_session* session, Gsasl_property prop) {
    if (prop != GSASL_SCRAM_SALTED_PASSWORD) return GSASL_NO_CALLBACK;
    auto* library = static_cast<SaslLibrary*>(gsasl_callback_hook_get(ctx));
    auto* client = static_cast<SaslClient*>(gsasl_session_hook_get(session));
    const char* salt = gsasl_property_fast(session, GSASL_SCRAM_SALT);
    const char* iter = gsasl_property_fast(session, GSASL_SCRAM_ITER);
    if (!library || !client || !salt || !iter) return GSASL_NO_CALLBACK;
    const std::string* hex = library->cached(client->node(), salt, iter);
    if (!hex) {
        library->count_derivation();
        return GSASL_NO_CALLBACK;
    }
    gsasl_property_set(session, GSASL_SCRAM_SALTED_PASSWORD, hex->c_str());
    return GSASL_OK;
}

std::string describe(int rc) {
    const char* name = gsasl_strerror_name(rc);
    return name ? name : "GSASL_" + std::to_string(rc);
}

}  // namespace

Result<std::unique_ptr<SaslLibrary>> SaslLibrary::create() {
    std::unique_ptr<SaslLibrary> lib(new SaslLibrary());
    if (const int rc = gsasl_init(&lib->ctx_); rc != GSASL_OK) {
        lib->ctx_ = nullptr;
        return fail("gsasl_init: " + describe(rc));
    }
    gsasl_callback_set(lib->ctx_, callback);
    gsasl_callback_hook_set(lib->ctx_, lib.get());
    return lib;
}

SaslLibrary::~SaslLibrary() {
    if (ctx_) gsasl_done(ctx_);
}

std::string SaslLibrary::key(std::string_view node, std::string_view salt, std::string_view iter) {
    std::string k;
    k.reserve(node.size() + salt.size() + iter.size() + 2);
    k.append(node).push_back(' ');
    k.append(salt).push_back(' ');
    k.append(iter);
    return k;
}

const std::string* SaslLibrary::cached(std::string_view node, std::string_view salt,
                                       std::string_view iter) {
    const auto it = salted_.find(key(node, salt, iter));
    if (it == salted_.end()) return nullptr;
    ++hits_;
    return &it->second;
}

void SaslLibrary::remember(std::string_view node, std::string_view salt, std::string_view iter,
                           std::string_view hex) {
    salted_.insert_or_assign(key(node, salt, iter), std::string(hex));
}

Status SaslLibrary::load_cache(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {};  // nothing cached yet
    std::string line;
    size_t lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        std::istringstream fields(line);
        std::string node, salt, iter, hex;
        if (!(fields >> node >> salt >> iter >> hex)) {
            return fail(path + ":" + std::to_string(lineno) + ": want NODE SALT ITERATIONS HEX");
        }
        remember(node, salt, iter, hex);
    }
    return {};
}

Status SaslLibrary::save_cache(const std::string& path) const {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) return fail("cannot write " + tmp);
        for (const auto& [k, hex] : salted_) out << k << ' ' << hex << '\n';
        if (!out) return fail("cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename " + tmp + " to " + path);
    return {};
}

Result<std::unique_ptr<SaslClient>> SaslClient::start(SaslLibrary& library, std::string_view mechanism,
                                                      std::string_view node,
                                                      std::string_view password) {
    Gsasl_session* session = nullptr;
    const std::string mech(mechanism);
    if (const int rc = gsasl_client_start(library.get(), mech.c_str(), &session); rc != GSASL_OK) {
        return fail("gsasl_client_start " + mech + ": " + describe(rc));
    }
    std::unique_ptr<SaslClient> client(
        new SaslClient(library, session, std::string(node), mechanism.starts_with("SCRAM-")));
    gsasl_session_hook_set(session, client.get());
    const std::string n(node), p(password);
    gsasl_property_set(session, GSASL_AUTHID, n.c_str());
    gsasl_property_set(session, GSASL_PASSWORD, p.c_str());
    return client;
}

SaslClient::~SaslClient() { gsasl_finish(session_); }

Result<std::string> SaslClient::step(std::string_view input) {
    if (complete_) return fail("the server asked for more after the exchange was complete");
    // RFC 6120 §6.4.2: "=" is an empty message.
    const std::string in = input == "=" ? std::string() : std::string(input);
    char* out = nullptr;
    const int rc = gsasl_step64(session_, in.c_str(), &out);
    std::string text = out ? out : "";
    gsasl_free(out);
    if (rc == GSASL_OK) {
        complete_ = true;
        if (scram_) remember_salted_password();
    } else if (rc != GSASL_NEEDS_MORE) {
        return fail(describe(rc));
    }
    return text;
}

void SaslClient::remember_salted_password() {
    const char* salt = gsasl_property_fast(session_, GSASL_SCRAM_SALT);
    const char* iter = gsasl_property_fast(session_, GSASL_SCRAM_ITER);
    const char* hex = gsasl_property_fast(session_, GSASL_SCRAM_SALTED_PASSWORD);
    if (salt && iter && hex) library_.remember(node_, salt, iter, hex);
}

Result<std::string> SaslClient::initial_response() {
    auto r = step("");
    if (!r) return r;
    if (r->empty()) return std::string("=");
    return r;
}

Result<std::string> SaslClient::respond(std::string_view challenge) {
    auto r = step(challenge);
    if (!r) return r;
    if (r->empty()) return std::string("=");
    return r;
}

Status SaslClient::verify_success(std::string_view data) {
    const bool empty = data.empty() || data == "=";
    if (complete_) {
        if (!empty) return fail("unexpected data in <success/>");
        return {};
    }
    // SCRAM: the server-final message must come, and must check out.
    if (empty) return fail("<success/> without the server's signature");
    auto r = step(data);
    if (!r) return r.error();
    if (!complete_) return fail("the exchange is not complete at <success/>");
    return {};
}

}  // namespace jng::loadgen
