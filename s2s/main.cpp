// jabberd-ng s2s: server-to-server connections.
#include "daemon.hpp"
#include "s2s_config.hpp"
#include "server.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    return daemon::run(
        argc, argv, {"jabberd-ng-s2s", "s2s", "/etc/jabberd-ng/s2s.xml"}, s2s::load_config,
        [](net::Loop& loop, Log& log, s2s::S2sConfig config) -> Result<std::unique_ptr<s2s::Server>> {
            if (config.dialback_secret.empty()) {
                log.notice("no <dialback secret>: using a random one (fine for a single s2s process)");
            }
            auto server = std::make_unique<s2s::Server>(loop, log, std::move(config));
            if (auto st = server->start(); !st) return st.error();
            return server;
        });
}
