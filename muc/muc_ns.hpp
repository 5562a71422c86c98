// The namespaces and status codes of XEP-0045 (and XEP-0249), named after
// the specification.
#pragma once

#include <string_view>

#include "ns.hpp"

namespace jng::muc {

// Extends the common namespaces: inside jng::muc, ns:: names this one first,
// and every name of jng::ns stays in reach through it.
namespace ns {
using namespace jng::ns;
constexpr std::string_view kMuc = "http://jabber.org/protocol/muc";                  // XEP-0045 §19.1
constexpr std::string_view kMucUser = "http://jabber.org/protocol/muc#user";         // §19.4
constexpr std::string_view kMucAdmin = "http://jabber.org/protocol/muc#admin";       // §19.2
constexpr std::string_view kMucOwner = "http://jabber.org/protocol/muc#owner";       // §19.3
constexpr std::string_view kRoomConfig = "http://jabber.org/protocol/muc#roomconfig";  // §15.5.3
constexpr std::string_view kRoomInfo = "http://jabber.org/protocol/muc#roominfo";      // §15.5.4
constexpr std::string_view kConference = "jabber:x:conference";                        // XEP-0249
}  // namespace ns

// XEP-0045 §15.6: the status codes this service sends.
namespace status {
constexpr int kNonAnonymous = 100;       // any occupant may see real JIDs
constexpr int kConfigChanged = 104;      // a configuration change that does not touch privacy
constexpr int kSelf = 110;               // this presence is your own
constexpr int kLoggingOn = 170;          // the room is logged
constexpr int kLoggingOff = 171;
constexpr int kNowNonAnonymous = 172;
constexpr int kNowSemiAnonymous = 173;
constexpr int kCreated = 201;            // a new room
constexpr int kBanned = 301;
constexpr int kNickChanged = 303;
constexpr int kKicked = 307;
constexpr int kAffiliationRemoved = 321;  // removed by an affiliation change
constexpr int kMembersOnlyRemoved = 322;  // removed: the room became members-only
constexpr int kShutdown = 332;            // removed: the service is shutting down
constexpr int kTechnicalReason = 333;     // removed: a delivery error from the occupant
}  // namespace status

}  // namespace jng::muc
