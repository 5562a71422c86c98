// An sm module: one feature in one file. In init() it registers its chain
// handlers and hooks and declares its disco features; it keeps its own state.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

namespace jng::sm {

class SessionManager;

class Module {
public:
    virtual ~Module() = default;
    virtual std::string_view name() const = 0;
    virtual void init(SessionManager& sm) = 0;
};

// The modules this build has, by name; nullptr for an unknown name.
std::unique_ptr<Module> make_module(std::string_view name);
std::vector<std::string_view> module_names();

}  // namespace jng::sm
