// jabberd-ng sm: the session manager.
#include "daemon.hpp"
#include "sm.hpp"
#include "sm_config.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    return daemon::run(
        argc, argv, {"jabberd-ng-sm", "sm", "/etc/jabberd-ng/sm.xml"}, sm::load_config,
        [](net::Loop& loop, Log& log,
           sm::SmConfig config) -> Result<std::unique_ptr<sm::SessionManager>> {
            auto manager = std::make_unique<sm::SessionManager>(loop, log, std::move(config));
            if (auto st = manager->start(); !st) return st.error();
            return manager;
        });
}
