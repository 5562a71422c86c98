// The table of modules this build has. A module file defines its factory;
// this table is the one place that lists them.
#include <array>
#include <utility>

#include "module.hpp"

namespace jng::sm {

std::unique_ptr<Module> make_announce_module();
std::unique_ptr<Module> make_blocking_module();
std::unique_ptr<Module> make_carbons_module();
std::unique_ptr<Module> make_deliver_module();
std::unique_ptr<Module> make_disco_module();
std::unique_ptr<Module> make_offline_module();
std::unique_ptr<Module> make_ping_module();
std::unique_ptr<Module> make_presence_module();
std::unique_ptr<Module> make_privacy_module();
std::unique_ptr<Module> make_roster_module();
std::unique_ptr<Module> make_time_module();
std::unique_ptr<Module> make_vacation_module();
std::unique_ptr<Module> make_version_module();
std::unique_ptr<Module> make_vcard_module();
std::unique_ptr<Module> make_private_module();
std::unique_ptr<Module> make_last_module();
std::unique_ptr<Module> make_active_module();
std::unique_ptr<Module> make_register_module();

namespace {
using Factory = std::unique_ptr<Module> (*)();
constexpr std::pair<std::string_view, Factory> kModules[] = {
    {"roster", &make_roster_module},
    {"presence", &make_presence_module},
    {"privacy", &make_privacy_module},
    {"blocking", &make_blocking_module},
    {"deliver", &make_deliver_module},
    {"offline", &make_offline_module},
    {"disco", &make_disco_module},
    {"ping", &make_ping_module},
    {"announce", &make_announce_module},
    {"vacation", &make_vacation_module},
    {"version", &make_version_module},
    {"time", &make_time_module},
    {"carbons", &make_carbons_module},
    {"vcard", &make_vcard_module},
    {"private", &make_private_module},
    {"last", &make_last_module},
    {"active", &make_active_module},
    {"register", &make_register_module},
};
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
