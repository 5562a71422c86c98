// The table of modules this build has. A module file defines its factory;
// this table is the one place that lists them.
#include <array>
#include <utility>

#include "module.hpp"

namespace jng::sm {

std::unique_ptr<Module> make_deliver_module();
std::unique_ptr<Module> make_disco_module();
std::unique_ptr<Module> make_offline_module();
std::unique_ptr<Module> make_ping_module();
std::unique_ptr<Module> make_presence_module();
std::unique_ptr<Module> make_roster_module();

namespace {
using Factory = std::unique_ptr<Module> (*)();
constexpr std::array<std::pair<std::string_view, Factory>, 6> kModules = {{
    {"roster", &make_roster_module},
    {"presence", &make_presence_module},
    {"deliver", &make_deliver_module},
    {"offline", &make_offline_module},
    {"disco", &make_disco_module},
    {"ping", &make_ping_module},
}};
}  // namespace

std::unique_ptr<Module> make_module(std::string_view name) {
    for (const auto& [n, f] : kModules) {
        if (n == name) return f();
    }
    return nullptr;
}

std::vector<std::string_view> module_names() {
    std::vector<std::string_view> out;
    for (const auto& [n, f] : kModules) out.push_back(n);
    return out;
}

}  // namespace jng::sm
