// The disco module's rules, apart from the module so that they can be tested
// alone: the items a served domain lists in disco#items.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "string_map.hpp"
#include "types.hpp"

namespace jng::sm::disco {

// XEP-0030 §4.2: the items of the server `domain`. The names held at the
// router (name → the component holding it) that are sub-domains of
// `domain` - components such as conference.example.com - except the
// domains the session manager serves itself (`local`); then the items an
// operator stored for the domain (`disco-items`), whose name also names a
// component listed with the same JID and no node. Our own daemons' names
// (c2s-1, sm-1, resolver) are never sub-domains, so they never show.
// Ordered by JID, then node.
std::vector<storage::DiscoItem> server_items(std::string_view domain,
                                             const StringMap<std::string>& router_names,
                                             const std::vector<std::string>& local,
                                             const std::vector<storage::DiscoItem>& stored);

}  // namespace jng::sm::disco
