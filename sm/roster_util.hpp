// Roster items as XML (RFC 6121 §2.1.2) and roster pushes (§2.1.6), shared by
// the roster and presence modules, which both change items.
#pragma once

#include "session.hpp"
#include "storage.hpp"
#include "xml/element.hpp"

namespace jng::sm {

class SessionManager;

std::string_view subscription_name(const storage::RosterItem& item);
xml::Element item_element(const storage::RosterItem& item, bool removed = false);

// Sends the item (or its removal) to every session of `user` that asked for
// the roster.
void push_item(SessionManager& sm, const User& user, const storage::RosterItem& item,
               bool removed = false);

// Stores the item (or removes it) and pushes it unless it is hidden.
void save_and_push(SessionManager& sm, User& user, const storage::RosterItem& item);

}  // namespace jng::sm
