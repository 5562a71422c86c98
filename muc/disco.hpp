// Service discovery (XEP-0030) of a MUC service and its rooms (XEP-0045
// §6): identities, features that reflect each room's configuration, the
// room information form, and the list of public rooms.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "muc_config.hpp"
#include "xml/element.hpp"

namespace jng::muc {

class Room;

// §6.1, §6.2: the service's identity and features.
xml::Element service_info(const xml::Element& iq, const ServiceConfig& service);
// §6.3: the rooms anyone may find - public, configured (not locked) ones.
xml::Element service_items(const xml::Element& iq,
                           const std::map<std::string, std::unique_ptr<Room>>& rooms);
// §6.4: a room's identity, features and muc#roominfo form.
xml::Element room_info(const xml::Element& iq, const Room& room);

}  // namespace jng::muc
