// jabberd-ng muc: multi-user chat (XEP-0045) as plain XEP-0114 components,
// one per MUC service.
#include "daemon.hpp"
#include "muc_config.hpp"
#include "server.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    return daemon::run(
        argc, argv, {"jabberd-ng-muc", "muc", "/etc/jabberd-ng/muc.xml"}, muc::load_config,
        [](net::Loop& loop, Log& log, muc::MucConfig config)
            -> Result<std::unique_ptr<muc::Server>> {
            auto server = std::make_unique<muc::Server>(loop, log, std::move(config));
            if (auto st = server->start(); !st) return st.error();
            return server;
        });
}
