// The backend under test against another implementation, the system's `openssl
// s_client` and `s_server`, over loopback TCP; skipped when there is no openssl.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hex_util.hpp"
#include "tls/tls.hpp"
#include "tls_test_certs.hpp"

using namespace jng::tls;
using jng::tls::test::LeafSpec;
using jng::tls::test::make_context;
using jng::tls::test::Pki;
using Clock = std::chrono::steady_clock;

namespace {

// Generous: the machine may be busy and the build may be sanitized.
constexpr auto kPatience = std::chrono::seconds(20);

const LeafSpec kInteropServerSpec{.common_name = "xmpp.example.com", .dns_names = {"xmpp.example.com"}};
const LeafSpec kInteropClientSpec{.common_name = "remote.example.net",
                           .dns_names = {"remote.example.net"},
                           .xmpp_addrs = {"remote.example.net"}};

std::optional<std::string> find_openssl() {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
        const size_t end = std::min(dirs.find(':', start), dirs.size());
        const std::string candidate = dirs.substr(start, end - start) + "/openssl";
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

int milliseconds_left(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// An openssl command with its stdin and its stdout (stderr merged) on pipes;
// killed and reaped when the test is done with it, whatever happened.
class Tool {
public:
    // `environment`: variables to set for the command only.
    Tool(const std::string& binary, const std::vector<std::string>& args,
         const std::vector<std::pair<std::string, std::string>>& environment = {}) {
        std::array<int, 2> in{};
        std::array<int, 2> out{};
        REQUIRE(pipe(in.data()) == 0);
        REQUIRE(pipe(out.data()) == 0);
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            dup2(in[0], STDIN_FILENO);
            dup2(out[1], STDOUT_FILENO);
            dup2(out[1], STDERR_FILENO);
            close(in[0]), close(in[1]), close(out[0]), close(out[1]);
            for (const auto& [name, value] : environment) setenv(name.c_str(), value.c_str(), 1);
            std::vector<char*> argv{const_cast<char*>(binary.c_str())};
            for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
            argv.push_back(nullptr);
            execv(binary.c_str(), argv.data());
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        input_ = in[1];
        output_ = out[0];
    }
    ~Tool() {
        close_input();
        if (output_ >= 0) close(output_);
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    Tool(const Tool&) = delete;
    Tool& operator=(const Tool&) = delete;

    void send(std::string_view text) {
        REQUIRE(write(input_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    }
    void close_input() {
        if (input_ >= 0) close(input_);
        input_ = -1;
    }
    // Reads what it prints until `marker` shows up at or after `from`
    // (true), or until it exits or patience runs out (false).
    bool read_until(std::string_view marker, size_t from = 0) {
        const auto deadline = Clock::now() + kPatience;
        while (printed_.find(marker, from) == std::string::npos) {
            if (!read_more(deadline)) return false;
        }
        return true;
    }
    const std::string& printed() const { return printed_; }
    // Everything it prints until it exits (or until patience runs out).
    const std::string& output_until_exit() {
        const auto deadline = Clock::now() + kPatience;
        while (read_more(deadline)) {
        }
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
        return printed_;
    }

private:
    bool read_more(Clock::time_point deadline) {
        pollfd pfd{output_, POLLIN, 0};
        if (poll(&pfd, 1, milliseconds_left(deadline)) <= 0) return false;
        std::array<char, 4096> buffer;
        const ssize_t got = read(output_, buffer.data(), buffer.size());
        if (got <= 0) return false;
        printed_.append(buffer.data(), static_cast<size_t>(got));
        return true;
    }

    pid_t pid_ = -1;
    int input_ = -1;
    int output_ = -1;
    std::string printed_;
};

struct Fd {
    int fd = -1;
    explicit Fd(int value) : fd(value) {}
    ~Fd() {
        if (fd >= 0) close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

sockaddr_in loopback(uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// A listening loopback socket on a port the kernel picked.
class Listener {
public:
    Listener() {
        sockaddr_in address = loopback(0);
        socklen_t size = sizeof address;
        REQUIRE(bind(socket_.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(listen(socket_.fd, 1) == 0);
        REQUIRE(getsockname(socket_.fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
        address_ = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    }
    const std::string& address() const { return address_; }
    // The next connection, or -1 when none comes in time.
    int accept_one() {
        pollfd pending{socket_.fd, POLLIN, 0};
        if (poll(&pending, 1, milliseconds_left(Clock::now() + kPatience)) != 1) return -1;
        return accept(socket_.fd, nullptr, nullptr);
    }

private:
    Fd socket_{socket(AF_INET, SOCK_STREAM, 0)};
    std::string address_;
};

// Every byte each way, for the random values of the TLS 1.2 hellos.
struct Wire {
    std::string from_peer;
    std::string to_peer;
};

// Moves ciphertext between `session` and the socket until `done` says so,
// the socket closes, the session fails or patience runs out.
bool exchange(Session& session, int fd, const std::function<bool()>& done, Wire* wire = nullptr) {
    const auto deadline = Clock::now() + kPatience;
    for (;;) {
        std::string out;
        session.drain(out);
        if (wire != nullptr) wire->to_peer += out;
        if (!out.empty() &&
            send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
            return done();
        }
        if (done()) return true;
        pollfd pfd{fd, POLLIN, 0};
        if (poll(&pfd, 1, milliseconds_left(deadline)) <= 0) return false;
        std::array<char, 16384> buffer;
        const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
        if (got <= 0) return done();
        const std::string_view bytes(buffer.data(), static_cast<size_t>(got));
        if (wire != nullptr) wire->from_peer += bytes;
        if (auto s = session.feed(bytes); !s) {
            UNSCOPED_INFO("feed: " << s.message());
            return false;
        }
    }
}

// The rest of the line after `label` in the tool's output; empty if absent.
std::string field(const std::string& output, std::string_view label) {
    const size_t at = output.find(label);
    if (at == std::string::npos) return {};
    const size_t start = at + label.size();
    return output.substr(start, output.find('\n', start) - start);
}

// The 32-byte random of the hello of `type` opening a TLS 1.2 flight: a
// record header (5 bytes), a handshake header (4), the version (2), the random.
std::string hello_random(std::string_view flight, unsigned char type) {
    if (flight.size() < 43 || flight[0] != 0x16 || static_cast<unsigned char>(flight[5]) != type) {
        return {};
    }
    return std::string(flight.substr(11, 32));
}

// The TLS 1.2 PRF (RFC 5246 §5) through libcrypto's KDF, which computes it
// without any TLS session: `seed` is the label followed by the seed proper.
std::string tls12_prf(const std::string& digest, std::string_view secret, std::string_view seed,
                      size_t length) {
    const std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(
        EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr), &EVP_KDF_free);
    REQUIRE(kdf != nullptr);
    const std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> context(
        EVP_KDF_CTX_new(kdf.get()), &EVP_KDF_CTX_free);
    REQUIRE(context != nullptr);
    const std::array<OSSL_PARAM, 4> params{
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest.c_str()),
                                         0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<char*>(secret.data()),
                                          secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, const_cast<char*>(seed.data()),
                                          seed.size()),
        OSSL_PARAM_construct_end()};
    std::string out(length, '\0');
    REQUIRE(EVP_KDF_derive(context.get(), reinterpret_cast<unsigned char*>(out.data()), length,
                           params.data()) == 1);
    return out;
}

constexpr std::string_view kExporterLabel = "EXPORTER-Channel-Binding";

std::vector<std::string> exporter_args(const std::string& version) {
    return {version == "1.3" ? "-tls1_3" : "-tls1_2", "-keymatexport", std::string(kExporterLabel),
            "-keymatexportlen", "32"};
}

// `openssl -keymatexport` passes no context, RFC 9266 §2 an empty one. Under
// TLS 1.3 the two are the same (RFC 8446 §7.5), so the tool's value must be
// ours; under TLS 1.2 they differ (RFC 5705 §4 hashes in the context's
// length), so both are computed from the connection's master secret and
// hello randoms: the tool's value checks the computation, the computation
// checks ours.
void check_exporter(const Session& session, const std::string& version, const std::string& output,
                    const Wire* wire = nullptr) {
    const auto exporter = session.channel_binding(ChannelBinding::kTlsExporter);
    REQUIRE(exporter);
    const std::string tool_value = field(output, "Keying material: ");
    REQUIRE_FALSE(tool_value.empty());
    if (version == "1.3") {
        CHECK(jng::test::to_hex(*exporter, /*upper=*/true) == tool_value);
        return;
    }
    CHECK(jng::test::to_hex(*exporter, /*upper=*/true) != tool_value);
    if (wire == nullptr) return;
    const std::string master_secret = jng::test::from_hex(field(output, "Master-Key: "));
    REQUIRE(master_secret.size() == 48);
    const std::string client_random = hello_random(wire->from_peer, 0x01);
    const std::string server_random = hello_random(wire->to_peer, 0x02);
    REQUIRE(client_random.size() == 32);
    REQUIRE(server_random.size() == 32);
    const std::string digest = session.cipher().ends_with("SHA384") ? "SHA384" : "SHA256";
    const std::string seed = std::string(kExporterLabel) + client_random + server_random;
    CHECK(jng::test::to_hex(tls12_prf(digest, master_secret, seed, 32), /*upper=*/true) ==
          tool_value);
    CHECK(tls12_prf(digest, master_secret, seed + std::string(2, '\0'), 32) == *exporter);
}

}  // namespace

TEST_CASE("openssl s_client against our server", "[tls][interop]") {
    const auto openssl = find_openssl();
    if (!openssl) {
        WARN("no openssl binary: interop skipped");
        return;
    }
    signal(SIGPIPE, SIG_IGN);
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Pki pki;
    const auto server_files = pki.issue("server", kInteropServerSpec);
    const auto client_files = pki.issue("client", kInteropClientSpec);
    ContextOptions options;
    options.cert_file = server_files.cert_file;
    options.key_file = server_files.key_file;
    options.ca_file = pki.ca_file();
    options.request_client_cert = true;
    auto context = make_context(options);

    Listener listener;
    std::vector<std::string> args{"s_client",
                                  "-connect",
                                  listener.address(),
                                  "-servername",
                                  "xmpp.example.com",
                                  "-CAfile",
                                  pki.ca_file(),
                                  "-cert",
                                  client_files.cert_file,
                                  "-key",
                                  client_files.key_file,
                                  "-ign_eof"};
    for (auto& arg : exporter_args(version)) args.push_back(std::move(arg));
    Tool client(*openssl, args);
    client.send("<presence/>\n");
    client.close_input();

    Fd connection(listener.accept_one());
    REQUIRE(connection.fd >= 0);
    auto session = context->new_session();
    std::string received;
    Wire wire;
    CHECK(exchange(
        *session, connection.fd,
        [&] {
            session->read(received);
            return received == "<presence/>\n";
        },
        &wire));
    REQUIRE(session->handshake_done());
    CHECK(session->protocol_version() == "TLSv" + version);

    REQUIRE(session->write("<message>from us</message>\n").ok());
    session->shutdown();
    // s_client answers our close_notify with its own and exits.
    CHECK(exchange(*session, connection.fd, [&] { return session->peer_closed(); }));
    const std::string& output = client.output_until_exit();
    INFO(output);
    CHECK_THAT(output, Catch::Contains("<message>from us</message>"));
    CHECK_THAT(output, Catch::Contains("Verify return code: 0 (ok)"));
    CHECK_THAT(output, Catch::Contains("New, TLSv" + version + ", Cipher is "));
    check_exporter(*session, version, output, &wire);

    const PeerCertificate cert = session->peer_certificate();
    CHECK(cert.present);
    CHECK(cert.chain_valid);
    CHECK(cert.xmpp_addrs == std::vector<std::string>{"remote.example.net"});
}

TEST_CASE("our client against openssl s_server", "[tls][interop]") {
    const auto openssl = find_openssl();
    if (!openssl) {
        WARN("no openssl binary: interop skipped");
        return;
    }
    signal(SIGPIPE, SIG_IGN);
    const std::string version = GENERATE(as<std::string>{}, "1.2", "1.3");
    Pki pki;
    const auto server_files = pki.issue("server", kInteropServerSpec);
    const auto client_files = pki.issue("client", kInteropClientSpec);
    ContextOptions options;
    options.role = Role::kClient;
    options.cert_file = client_files.cert_file;
    options.key_file = client_files.key_file;
    options.ca_file = pki.ca_file();
    auto context = make_context(options);

    // -verify asks for a client certificate without requiring one.
    std::vector<std::string> args{"s_server",
                                  "-accept",
                                  "127.0.0.1:0",
                                  "-naccept",
                                  "1",
                                  "-cert",
                                  server_files.cert_file,
                                  "-key",
                                  server_files.key_file,
                                  "-CAfile",
                                  pki.ca_file(),
                                  "-verify",
                                  "1"};
    for (auto& arg : exporter_args(version)) args.push_back(std::move(arg));
    Tool server(*openssl, args);

    // It names the port it was given, once it listens.
    constexpr std::string_view kAccept = "ACCEPT 127.0.0.1:";
    REQUIRE(server.read_until(kAccept));
    const size_t at = server.printed().find(kAccept) + kAccept.size();
    REQUIRE(server.read_until("\n", at));
    const auto port = std::stoi(server.printed().substr(at));
    Fd connection(socket(AF_INET, SOCK_STREAM, 0));
    const sockaddr_in address = loopback(static_cast<uint16_t>(port));
    REQUIRE(connect(connection.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) ==
            0);
    auto session = context->new_session("xmpp.example.com");
    REQUIRE(session->write("<presence/>\n").ok());
    REQUIRE(exchange(*session, connection.fd, [&] { return session->handshake_done(); }));
    // s_server describes the connection once its side of the handshake is
    // done; only then may it read stdin, or a write of its own would finish
    // the handshake behind the description's back.
    REQUIRE(server.read_until("CIPHER is "));
    server.send("<message>from openssl</message>\n");
    std::string received;
    CHECK(exchange(*session, connection.fd, [&] {
        session->read(received);
        return received == "<message>from openssl</message>\n";
    }));
    CHECK(session->protocol_version() == "TLSv" + version);
    const PeerCertificate cert = session->peer_certificate();
    CHECK(cert.present);
    CHECK(cert.chain_valid);
    CHECK(cert.dns_names == std::vector<std::string>{"xmpp.example.com"});

    session->shutdown();
    // s_server closes the connection on our close_notify and, after its one
    // connection (-naccept 1), exits.
    exchange(*session, connection.fd, [] { return false; });
    server.close_input();
    const std::string& output = server.output_until_exit();
    INFO(output);
    CHECK_THAT(output, Catch::Contains("<presence/>"));
    // It saw our certificate, and found it good.
    CHECK_THAT(output, Catch::Contains("Client certificate"));
    CHECK_THAT(output, Catch::Contains("remote.example.net"));
    CHECK_THAT(output, !Catch::Contains("verify error"));
    check_exporter(*session, version, output);
}

TEST_CASE("TLS 1.2 without the extended master secret has no tls-exporter", "[tls][interop]") {
    const auto openssl = find_openssl();
    if (!openssl) {
        WARN("no openssl binary: interop skipped");
        return;
    }
    signal(SIGPIPE, SIG_IGN);
    Pki pki;
    const auto server_files = pki.issue("server", kInteropServerSpec);
    ContextOptions options;
    options.cert_file = server_files.cert_file;
    options.key_file = server_files.key_file;
    auto context = make_context(options);

    // OpenSSL turns RFC 7627 off through its configuration only.
    const std::string config = pki.directory() + "/no-ems.cnf";
    {
        std::ofstream out(config);
        out << "openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = tls\n"
               "[tls]\nOptions = -ExtendedMasterSecret\n";
    }
    Listener listener;
    Tool client(*openssl, {"s_client", "-connect", listener.address(), "-tls1_2", "-ign_eof"},
                {{"OPENSSL_CONF", config}});
    client.send("<presence/>\n");
    client.close_input();
    Fd connection(listener.accept_one());
    REQUIRE(connection.fd >= 0);
    auto session = context->new_session();
    std::string received;
    CHECK(exchange(*session, connection.fd, [&] {
        session->read(received);
        return received == "<presence/>\n";
    }));
    REQUIRE(session->handshake_done());
    session->shutdown();
    CHECK(exchange(*session, connection.fd, [&] { return session->peer_closed(); }));
    const std::string& output = client.output_until_exit();
    INFO(output);
    REQUIRE_THAT(output, Catch::Contains("Extended master secret: no"));

    // RFC 9266 §3: nothing ties the exporter to this handshake, so no binding.
    CHECK_FALSE(session->channel_binding(ChannelBinding::kTlsExporter));
    const auto unique = session->channel_binding(ChannelBinding::kTlsUnique);
    REQUIRE(unique);
    CHECK(unique->size() == 12);
}
