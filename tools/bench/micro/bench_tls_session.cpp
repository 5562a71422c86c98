// What one TLS client connection costs the c2s holding it: the heap an
// established server session keeps (handshake done, a record each way, the
// client's side gone), and the CPU of a whole handshake, both sides in this
// thread. RSA-2048 and TLS 1.3, as in the side-by-side run; the backend is
// the build's (OpenSSL or GnuTLS), through the same Session c2s uses.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tls/tls.hpp"

namespace {

namespace fs = std::filesystem;
using jng::tls::Context;
using jng::tls::Session;

// A self-signed certificate made by the openssl tool in a directory of its
// own, removed afterwards.
class Certificate {
public:
    Certificate() {
        char pattern[] = "/tmp/jng-bench-tls-XXXXXX";
        if (mkdtemp(pattern) == nullptr) return;
        dir_ = pattern;
        const std::string command =
            "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
            " -keyout " +
            key() + " -out " + cert() + " 2>/dev/null";
        ok_ = std::system(command.c_str()) == 0;
    }
    ~Certificate() {
        std::error_code ignored;
        if (!dir_.empty()) fs::remove_all(dir_, ignored);
    }
    Certificate(const Certificate&) = delete;
    Certificate& operator=(const Certificate&) = delete;

    bool ok() const { return ok_; }
    std::string cert() const { return dir_ + "/cert.pem"; }
    std::string key() const { return dir_ + "/key.pem"; }

private:
    std::string dir_;
    bool ok_ = false;
};

// Carries ciphertext both ways until neither side has anything to say.
bool pump(Session& client, Session& server) {
    std::string wire;
    for (int round = 0; round < 16; ++round) {
        wire.clear();
        client.drain(wire);
        const bool client_spoke = !wire.empty();
        if (client_spoke && !server.feed(wire)) return false;
        wire.clear();
        server.drain(wire);
        const bool server_spoke = !wire.empty();
        if (server_spoke && !client.feed(wire)) return false;
        if (!client_spoke && !server_spoke) return true;
    }
    return false;
}

// One connection: handshake, a stanza each way. Returns the server side.
std::unique_ptr<Session> connect(Context& client_ctx, Context& server_ctx) {
    auto server = server_ctx.new_session({});
    auto client = client_ctx.new_session("localhost");
    std::string text;
    if (!pump(*client, *server) || !server->handshake_done() || !client->handshake_done() ||
        !client->write("<presence/>") || !pump(*client, *server) || server->read(text) == 0 ||
        !server->write("<presence from='a@localhost/r'/>") || !pump(*client, *server) ||
        client->read(text) == 0) {
        return nullptr;
    }
    return server;
}

void BM_Tls_HeldSession(benchmark::State& state) {
    const Certificate certificate;
    if (!certificate.ok()) {
        state.SkipWithError("the openssl tool could not make a certificate");
        return;
    }
    jng::tls::ContextOptions server_options;
    server_options.role = jng::tls::Role::kServer;
    server_options.cert_file = certificate.cert();
    server_options.key_file = certificate.key();
    jng::tls::ContextOptions client_options;
    client_options.role = jng::tls::Role::kClient;
    client_options.ca_file = certificate.cert();
    auto server_ctx = jng::tls::create_context(server_options);
    auto client_ctx = jng::tls::create_context(client_options);
    if (!server_ctx || !client_ctx) {
        state.SkipWithError("no TLS context");
        return;
    }
    std::vector<std::unique_ptr<Session>> held;
    held.reserve(state.max_iterations);
    // Warm the backend's lazily built tables so they do not count as the
    // first sessions'.
    for (int i = 0; i < 20; ++i) connect(**client_ctx, **server_ctx);

    const auto before = static_cast<double>(mallinfo2().uordblks);
    for (auto _ : state) {
        auto server = connect(**client_ctx, **server_ctx);
        if (!server) {
            state.SkipWithError("handshake failed");
            break;
        }
        held.push_back(std::move(server));
    }
    if (held.empty()) return;
    const auto after = static_cast<double>(mallinfo2().uordblks);
    state.counters["heap_bytes_per_session"] = (after - before) / static_cast<double>(held.size());
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetLabel(jng::tls::backend_name().data());
}
// A fixed count: every iteration keeps a session, so the heap grows with it.
BENCHMARK(BM_Tls_HeldSession)->Iterations(2000)->Unit(benchmark::kMicrosecond);

}  // namespace
