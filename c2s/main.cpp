// jabberd-ng c2s: client connections.
#include "c2s_config.hpp"
#include "daemon.hpp"
#include "server.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    return daemon::run(
        argc, argv, {"jabberd-ng-c2s", "c2s", "/etc/jabberd-ng/c2s.xml"}, c2s::load_config,
        [](net::Loop& loop, Log& log, c2s::C2sConfig config) -> Result<std::unique_ptr<c2s::Server>> {
            auto server = std::make_unique<c2s::Server>(loop, log, std::move(config));
            if (auto st = server->start(); !st) return st.error();
            return server;
        });
}
