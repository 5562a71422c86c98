// The user cache: a user's account flag and roster are loaded once from
// storage, kept while the user has sessions or was used recently, and every
// stanza for a user waits (in order) while the user loads.
#include "sm.hpp"

namespace jng::sm {

std::vector<Session*> User::available() const {
    std::vector<Session*> out;
    for (Session* s : sessions) {
        if (s->available) out.push_back(s);
    }
    return out;
}

Session* User::session_for(std::string_view resource) const {
    for (Session* s : sessions) {
        if (s->jid.resource() == resource) return s;
    }
    return nullptr;
}

storage::RosterItem* User::item(std::string_view contact) {
    const auto it = roster.find(contact);
    return it == roster.end() ? nullptr : &it->second;
}

User* SessionManager::find_user(std::string_view bare) {
    const auto it = users_.find(bare);
    return it == users_.end() ? nullptr : it->second.get();
}

void SessionManager::with_user(const Jid& bare, std::function<void(Lookup, User*)> callback,
                               bool recheck_missing) {
    if (User* u = find_user(bare.str())) {
        const auto now = std::chrono::steady_clock::now();
        // "No such account" is remembered only briefly, and never trusted for
        // a login: the account may have been created since.
        const bool stale = !u->exists && (recheck_missing || now - u->last_used > kMissingTtl);
        if (!stale) {
            u->last_used = now;
            callback(u->exists ? Lookup::kFound : Lookup::kNoAccount, u);
            return;
        }
        if (u->sessions.empty()) users_.erase(bare.str());
    }
    auto [it, first] = loading_.try_emplace(bare.str());
    it->second.callbacks.push_back(std::move(callback));
    if (first) load_user(bare);
}

void SessionManager::add_user_loader(std::string_view name, UserLoader loader) {
    for (const auto& [n, l] : user_loaders_) {
        if (n == name) return;
    }
    user_loaders_.emplace_back(std::string(name), std::move(loader));
}

namespace {
struct Loaded {
    bool exists = false;
    std::vector<storage::RosterItem> roster;
    std::vector<std::function<void(User&)>> installs;  // from the modules' user loaders
};
}  // namespace

void SessionManager::load_user(const Jid& bare) {
    std::vector<UserLoader> loaders;
    for (const auto& [name, loader] : user_loaders_) loaders.push_back(loader);
    storage_->run(
        bare.str(),
        [bare, owner = bare.str(), loaders = std::move(loaders)](
            storage::Driver& db) -> Result<Loaded> {
            auto account = db.authreg().get(bare.node(), bare.domain());
            if (!account) return account.error();
            Loaded l;
            l.exists = account->has_value();
            if (!l.exists) return l;
            auto items = db.roster().items(owner);
            if (!items) return items.error();
            l.roster = std::move(*items);
            for (const UserLoader& loader : loaders) {
                auto install = loader(db, bare);
                if (!install) return install.error();
                l.installs.push_back(std::move(*install));
            }
            return l;
        },
        [this, bare](Result<Loaded> result) {
            auto pending = loading_.extract(bare.str());
            if (pending.empty()) return;
            auto callbacks = std::move(pending.mapped().callbacks);
            if (!result) {
                log_.warning("cannot load {}: {}", bare.str(), result.message());
                for (auto& cb : callbacks) cb(Lookup::kError, nullptr);
                return;
            }
            auto user = std::make_unique<User>();
            user->jid = bare;
            user->exists = result->exists;
            for (auto& item : result->roster) {
                std::string key = item.jid;
                user->roster.emplace(std::move(key), std::move(item));
            }
            for (auto& install : result->installs) install(*user);
            user->last_used = std::chrono::steady_clock::now();
            User* u = user.get();
            // Non-existent users are cached too (briefly), so a flood of
            // stanzas to a missing account costs one lookup.
            users_.emplace(bare.str(), std::move(user));
            for (auto& cb : callbacks) cb(u->exists ? Lookup::kFound : Lookup::kNoAccount, u);
        });
}

void SessionManager::evict_idle_users() {
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(users_, [&](const auto& kv) {
        const User& u = *kv.second;
        return u.sessions.empty() && now - u.last_used > config_.user_cache_ttl;
    });
}

void SessionManager::store_roster_item(const User& user, const storage::RosterItem& item,
                                       std::function<void(bool)> done) {
    storage_->run(
        user.jid.str(),
        [owner = user.jid.str(), item](storage::Driver& db) { return db.roster().put(owner, item); },
        [this, owner = user.jid.str(), contact = item.jid, done = std::move(done)](Status st) {
            if (!st) log_.error("storing roster item {} of {}: {}", contact, owner, st.message());
            if (done) done(st.ok());
        });
}

void SessionManager::remove_roster_item(const User& user, std::string_view contact,
                                        std::function<void(bool)> done) {
    storage_->run(
        user.jid.str(),
        [owner = user.jid.str(), contact = std::string(contact)](storage::Driver& db) {
            return db.roster().remove(owner, contact);
        },
        [this, owner = user.jid.str(), contact = std::string(contact),
         done = std::move(done)](Result<bool> r) {
            if (!r) log_.error("removing roster item {} of {}: {}", contact, owner, r.message());
            if (done) done(r.ok());
        });
}

}  // namespace jng::sm
