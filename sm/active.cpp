// active: when each account was first used - the `active` table, as in
// jabberd2 - recorded when a user's first session of a login starts, and
// never overwritten, so that operators can find accounts that were never
// or not recently used (sm/README.md).
#include "module.hpp"
#include "rows.hpp"
#include "sm.hpp"

namespace jng::sm {
namespace {

class ActiveModule final : public Module {
public:
    std::string_view name() const override { return "active"; }

    void init(SessionManager& sm) override {
        sm_ = &sm;
        sm.session_started.add(0, std::string(name()), [this](Session& s) { started(s); });
    }

private:
    void started(Session& s) {
        // Once per login rather than per resource: a user with other
        // sessions already was active before this one.
        if (s.user->sessions.size() > 1) return;
        const std::string owner = s.user->jid.str();
        sm_->storage().run(
            owner,
            [owner, now = storage::unix_now()](storage::Driver& db) {
                return db.active().set_if_absent(owner, now);
            },
            [this, owner](const Result<bool>& recorded) {
                if (!recorded) {
                    sm_->log().error("recording the first activity of {}: {}", owner,
                                     recorded.message());
                } else if (*recorded) {
                    sm_->log().info("{} is active for the first time", owner);
                }
            });
    }

    SessionManager* sm_ = nullptr;
};

}  // namespace

std::unique_ptr<Module> make_active_module() {
    return std::make_unique<ActiveModule>();
}

}  // namespace jng::sm
