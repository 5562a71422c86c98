// Sessions: started by a c2s after resource binding, ended by the c2s, by us
// (conflict, kick) or because the c2s went away (docs/protocol.md §4).
#include "component/protocol.hpp"
#include "random.hpp"
#include "sm.hpp"

namespace jng::sm {

using component::SessionAction;

void SessionManager::send_control(std::string_view c2s, std::string_view session_id,
                                  const component::SessionControl& control) {
    link_->send(component::make_route({config_.id, c2s, session_id},
                                      component::make_session(control)));
}

void SessionManager::start_session(std::string_view c2s, std::string_view session_id,
                                   std::string_view jid_text) {
    auto jid = Jid::parse(jid_text);
    if (!jid || !jid->has_node() || !jid->has_resource() || !is_local(jid->domain())) {
        send_control(c2s, session_id, {SessionAction::kFailed, {}, "bad-request"});
        return;
    }
    if (sessions_.find(session_id) != sessions_.end()) {
        send_control(c2s, session_id, {SessionAction::kFailed, {}, "conflict"});
        return;
    }
    const Jid bare = jid->bare();
    with_user(bare, [this, c2s = std::string(c2s), session_id = std::string(session_id),
                     jid = std::move(*jid)](Lookup lookup, User* user) mutable {
        if (lookup != Lookup::kFound) {
            // An authenticated client whose account is gone (deleted while it
            // logged in), or a store that does not answer.
            send_control(c2s, session_id,
                         {SessionAction::kFailed, {},
                          lookup == Lookup::kNoAccount ? "not-authorized" : "internal-server-error"});
            return;
        }
        if (Session* existing = user->session_for(jid.resource())) {
            switch (config_.conflict) {
                case ConflictPolicy::kRefuse:
                    send_control(c2s, session_id, {SessionAction::kFailed, {}, "conflict"});
                    return;
                case ConflictPolicy::kReplace:
                    log_.info("{} replaces its previous session", jid.str());
                    end_session(*existing, "conflict");
                    break;
                case ConflictPolicy::kRename:
                    jid = jid.with_resource(jid.resource() + "-" + random_token(6));
                    break;
            }
        }
        create_session(*user, std::move(c2s), std::move(session_id), std::move(jid));
    }, /*recheck_missing=*/true);
}

void SessionManager::create_session(User& user, std::string c2s, std::string session_id, Jid jid) {
    auto s = std::make_unique<Session>();
    s->id = session_id;
    s->c2s = std::move(c2s);
    s->jid = std::move(jid);
    s->user = &user;
    Session& session = *s;
    sessions_.emplace(std::move(session_id), std::move(s));
    user.sessions.push_back(&session);
    send_control(session.c2s, session.id, {SessionAction::kStarted, session.jid.str(), {}});
    log_.info("session {} started for {} on {}", session.id, session.jid.str(), session.c2s);
    session_started.run(session);
}

void SessionManager::end_session(Session& session, std::string_view condition) {
    send_control(session.c2s, session.id, {SessionAction::kEnd, {}, std::string(condition)});
    drop_session(session);
}

void SessionManager::for_each_session(const std::function<void(Session&)>& fn) {
    for (auto& [id, s] : sessions_) fn(*s);
}

void SessionManager::session_ended_by_c2s(std::string_view c2s, std::string_view session_id) {
    const auto it = sessions_.find(session_id);
    if (it == sessions_.end() || it->second->c2s != c2s) return;
    drop_session(*it->second);
}

void SessionManager::drop_session(Session& session) {
    // Modules see the session one last time (presence goes unavailable).
    session_ending.run(session);
    log_.info("session {} of {} ended", session.id, session.jid.str());
    User* user = session.user;
    std::erase(user->sessions, &session);
    user->last_used = std::chrono::steady_clock::now();
    sessions_.erase(session.id);
}

void SessionManager::forget_account(const Jid& bare, std::string_view condition) {
    if (User* user = find_user(bare.str())) {
        // Modules seeing the sessions end (session_ending) can tell a
        // deleted account from a logout, and keep nothing for it.
        user->exists = false;
        const std::vector<Session*> sessions = user->sessions;
        for (Session* s : sessions) end_session(*s, condition);
        users_.erase(bare.str());
    }
    account_deleted.run(bare.str());
}

void SessionManager::c2s_gone(const std::string& c2s) {
    std::vector<Session*> lost;
    for (auto& [id, s] : sessions_) {
        if (s->c2s == c2s) lost.push_back(s.get());
    }
    if (lost.empty()) return;
    log_.warning("{} went away: ending its {} session(s)", c2s, lost.size());
    for (Session* s : lost) drop_session(*s);
}

}  // namespace jng::sm
