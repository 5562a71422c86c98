// Ordered callbacks for session manager events that are not stanzas
// (a session started, a session ended, initial presence), registered by
// modules with a priority like chain handlers.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace jng::sm {

template <class... Args>
class Hook {
public:
    using Fn = std::function<void(Args...)>;

    void add(int priority, std::string module, Fn fn) {
        entries_.push_back(Entry{priority, std::move(module), std::move(fn)});
        std::stable_sort(entries_.begin(), entries_.end(),
                         [](const Entry& a, const Entry& b) { return a.priority > b.priority; });
    }

    void run(Args... args) const {
        for (const auto& e : entries_) e.fn(args...);
    }

private:
    struct Entry {
        int priority;
        std::string module;
        Fn fn;
    };
    std::vector<Entry> entries_;
};

}  // namespace jng::sm
