// Placeholder substitution in migrations, and the small helpers around the
// embedded migration list.
#include "schema.hpp"

namespace jng::storage {
namespace {

constexpr bool keyed_one_way() {
    for (auto owner_keyed : kOwnerKeyedTables)
        for (auto domain_keyed : kDomainKeyedTables)
            if (owner_keyed == domain_keyed) return false;
    return true;
}
// remove_user deletes from the one list and must never touch the other.
static_assert(keyed_one_way(), "a table is keyed by a user or by a domain, not both");

}  // namespace

int latest_version() {
    auto all = migrations();
    return all.empty() ? 0 : all.back().version;
}

Result<std::string> render(std::string_view sql, std::span<const Placeholder> placeholders) {
    std::string out;
    out.reserve(sql.size());
    size_t pos = 0;
    while (pos < sql.size()) {
        size_t at = sql.find('@', pos);
        if (at == std::string_view::npos) {
            out.append(sql.substr(pos));
            break;
        }
        out.append(sql.substr(pos, at - pos));
        size_t end = at + 1;
        while (end < sql.size() && ((sql[end] >= 'A' && sql[end] <= 'Z') || sql[end] == '_')) ++end;
        if (end == at + 1 || end >= sql.size() || sql[end] != '@') {
            // A lone '@' (in a comment, say) is text, not a placeholder.
            out.push_back('@');
            pos = at + 1;
            continue;
        }
        std::string_view key = sql.substr(at + 1, end - at - 1);
        bool found = false;
        for (const auto& [name, text] : placeholders) {
            if (name == key) {
                out.append(text);
                found = true;
                break;
            }
        }
        if (!found) return fail("migration uses unknown placeholder @" + std::string(key) + "@");
        pos = end + 1;
    }
    return out;
}

std::string owner_of(std::string_view username, std::string_view realm) {
    std::string owner;
    owner.reserve(username.size() + 1 + realm.size());
    owner.append(username).append("@").append(realm);
    return owner;
}

}  // namespace jng::storage
