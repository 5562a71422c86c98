// jabberd-ng router: the hub every other daemon connects to.
#include "daemon.hpp"
#include "router.hpp"

int main(int argc, char** argv) {
    using namespace jng;
    return daemon::run(
        argc, argv, {"jabberd-ng-router", "router", "/etc/jabberd-ng/router.xml"},
        router::load_config,
        [](net::Loop& loop, Log& log,
           router::RouterConfig config) -> Result<std::unique_ptr<router::Router>> {
            auto r = std::make_unique<router::Router>(loop, log, std::move(config));
            if (auto st = r->start(); !st) return st.error();
            return r;
        });
}
