// time: XEP-0202 entity time of the server - UTC and the offset of the
// server's local time zone.
#include <chrono>
#include <ctime>

#include "datetime.hpp"
#include "module.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

constexpr std::string_view kTime = "urn:xmpp:time";  // XEP-0202

class TimeModule final : public Module {
public:
    std::string_view name() const override { return "time"; }

    void init(SessionManager& sm) override {
        sm.in().on("iq-get/host/" + std::string(kTime) + ":time", 0, name(), [&sm](Packet& p) {
            const std::time_t now = std::time(nullptr);
            std::tm local{};
            localtime_r(&now, &local);
            xml::Element result = stanza::iq_result(p.stanza);
            xml::Element& time = result.add("time", kTime);
            time.add_text_child("tzo", format_tzo(local.tm_gmtoff));
            time.add_text_child("utc", format_datetime(now));
            sm.route(std::move(result));
            return Verdict::kHandled;
        });
        sm.add_feature(kTime);
    }
};

}  // namespace

std::unique_ptr<Module> make_time_module() { return std::make_unique<TimeModule>(); }

}  // namespace jng::sm
