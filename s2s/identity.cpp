// RFC 6125 name matching for server certificates.
#include "identity.hpp"

#include <idna.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

namespace jng::s2s {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!out.empty() && out.back() == '.') out.pop_back();
    return out;
}

// Certificates carry A-labels; our domains are nameprep'd U-labels.
std::string ascii_form(std::string_view domain) {
    char* out = nullptr;
    const std::string in(domain);
    if (idna_to_ascii_8z(in.c_str(), &out, 0) != IDNA_SUCCESS) {
        std::free(out);
        return lower(domain);
    }
    std::unique_ptr<char, decltype(&std::free)> guard(out, &std::free);
    return lower(out);
}

// RFC 6125 §6.4.3: '*' may only be the whole leftmost label and matches
// exactly one label.
bool dns_id_matches(std::string_view pattern, std::string_view domain) {
    const std::string p = lower(pattern);
    if (p.empty()) return false;
    if (p.size() > 2 && p[0] == '*' && p[1] == '.') {
        const std::string_view rest = std::string_view(p).substr(1);  // ".example.com"
        if (domain.size() <= rest.size() || !domain.ends_with(rest)) return false;
        const std::string_view first = domain.substr(0, domain.size() - rest.size());
        return first.find('.') == std::string_view::npos && !first.empty();
    }
    if (p.find('*') != std::string::npos) return false;
    return p == domain;
}

}  // namespace

bool certificate_names(const tls::PeerCertificate& cert, std::string_view domain_in) {
    if (!cert.present) return false;
    const std::string domain = ascii_form(domain_in);
    for (const auto& name : cert.dns_names) {
        if (dns_id_matches(name, domain)) return true;
    }
    for (const auto& srv : cert.srv_names) {
        // RFC 4985: "_service.name"; only the XMPP server service counts.
        if (lower(srv) == "_xmpp-server." + domain) return true;
    }
    for (const auto& addr : cert.xmpp_addrs) {
        if (ascii_form(addr) == domain) return true;
    }
    const bool has_san = !cert.dns_names.empty() || !cert.srv_names.empty() ||
                         !cert.xmpp_addrs.empty();
    return !has_san && !cert.common_name.empty() && lower(cert.common_name) == domain;
}

}  // namespace jng::s2s
