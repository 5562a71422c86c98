// disco#info and disco#items answers for the service and its rooms.
#include "disco.hpp"

#include "muc_ns.hpp"
#include "ns.hpp"
#include "room.hpp"
#include "stanza.hpp"

namespace jng::muc {

xml::Element service_info(const xml::Element& iq, const ServiceConfig& service) {
    xml::Element r = stanza::iq_result(iq);
    xml::Element& q = r.add("query", jng::ns::kDiscoInfo);
    q.add("identity")
        .set_attr("category", "conference")
        .set_attr("type", "text")
        .set_attr("name", service.name);
    for (std::string_view feature :
         {jng::ns::kDiscoInfo, jng::ns::kDiscoItems, ns::kMuc, jng::ns::kPing}) {
        q.add("feature").set_attr("var", feature);
    }
    return r;
}

xml::Element service_items(const xml::Element& iq,
                           const std::map<std::string, std::unique_ptr<Room>>& rooms) {
    xml::Element r = stanza::iq_result(iq);
    xml::Element& q = r.add("query", jng::ns::kDiscoItems);
    for (const auto& [node, room] : rooms) {
        // §6.3: hidden rooms are not listed, nor rooms still being created.
        if (room->state() != Room::State::kOpen || !room->config().public_room) continue;
        xml::Element& item = q.add("item");
        item.set_attr("jid", room->jid().str());
        item.set_attr("name", room->config().name.empty() ? node : room->config().name);
    }
    return r;
}

xml::Element room_info(const xml::Element& iq, const Room& room) {
    const RoomConfig& c = room.config();
    xml::Element r = stanza::iq_result(iq);
    xml::Element& q = r.add("query", jng::ns::kDiscoInfo);
    q.add("identity")
        .set_attr("category", "conference")
        .set_attr("type", "text")
        .set_attr("name", c.name.empty() ? room.jid().node() : c.name);
    q.add("feature").set_attr("var", jng::ns::kDiscoInfo);
    for (std::string_view feature : features_of(c)) q.add("feature").set_attr("var", feature);
    q.add("feature").set_attr("var", jng::ns::kPing);
    q.add_child(room_info_form(c, room.subject(), room.occupant_count()));
    return r;
}

}  // namespace jng::muc
