// version: XEP-0092 software version of the server - our name, the version
// this build was made from and, when configured, the operating system;
// or nothing at all (<version hidden='true'/>, XEP-0092 §5).
#include <sys/utsname.h>

#include "module.hpp"
#include "sm.hpp"
#include "stanza.hpp"

namespace jng::sm {
namespace {

constexpr std::string_view kVersion = "jabber:iq:version";  // XEP-0092
constexpr std::string_view kSoftware = "jabberd-ng";

std::string operating_system() {
    utsname u{};
    if (uname(&u) != 0) return {};
    return std::string(u.sysname) + " " + u.release;
}

class VersionModule final : public Module {
public:
    std::string_view name() const override { return "version"; }

    void init(SessionManager& sm) override {
        const SmConfig& c = sm.config();
        // Hidden: the query is not ours to answer, so it gets the
        // service-unavailable every unhandled request gets (RFC 6120 §8.4)
        // and the feature is not advertised.
        if (c.version_hidden) return;
        query_ = xml::Element("query", kVersion);
        query_.add_text_child("name", kSoftware);
        if (c.version_detail != VersionDetail::kName) query_.add_text_child("version", JNG_VERSION);
        if (c.version_detail == VersionDetail::kOs) {
            const std::string os = operating_system();
            if (!os.empty()) query_.add_text_child("os", os);
        }
        sm.in().on("iq-get/host/" + std::string(kVersion) + ":query", 0, name(),
                   [this, &sm](Packet& p) {
                       xml::Element result = stanza::iq_result(p.stanza);
                       result.add_child(query_);
                       sm.route(std::move(result));
                       return Verdict::kHandled;
                   });
        sm.add_feature(kVersion);
    }

private:
    xml::Element query_;
};

}  // namespace

std::unique_ptr<Module> make_version_module() { return std::make_unique<VersionModule>(); }

}  // namespace jng::sm
