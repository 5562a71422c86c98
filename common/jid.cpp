// JID parsing and the stringprep profiles. Pure-ASCII parts, by far the
// common case, take a fast path whose result is identical to libidn's.
#include "jid.hpp"

#include <idna.h>
#include <stringprep.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

namespace jng {
namespace {

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// RFC 3920 Appendix A.5: characters nodeprep prohibits beyond the common tables.
bool node_prohibited_ascii(char c) {
    switch (c) {
        case ' ': case '"': case '&': case '\'': case '/': case ':': case '<': case '>': case '@':
            return true;
        default:
            return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    }
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

struct FreeDeleter {
    void operator()(char* p) const { std::free(p); }
};

Result<std::string> prep(std::string_view in, const Stringprep_profile* profile, const char* what) {
    // stringprep works in place and may lengthen the string (case folding
    // expands some characters), so the buffer leaves room to grow.
    std::string buf(in);
    buf.resize(in.size() * 4 + 16, '\0');
    const int rc = stringprep(buf.data(), buf.size(), STRINGPREP_NO_UNASSIGNED, profile);
    if (rc != STRINGPREP_OK) {
        return fail(std::string(what) + " fails stringprep: " +
                    stringprep_strerror(static_cast<Stringprep_rc>(rc)));
    }
    buf.resize(std::char_traits<char>::length(buf.c_str()));
    return buf;
}

bool valid_ip_literal(std::string_view s) {
    // RFC 7622 §3.2: an IPv6 address in brackets.
    if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
    return std::all_of(s.begin() + 1, s.end() - 1, [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
}

// RFC 3490 §4.1 steps 3 and 8 with UseSTD3ASCIIRules, for a lowercased
// ASCII domain: labels of letters, digits and inner hyphens, 1..63 octets.
Result<std::string> std_host_name(std::string out) {
    size_t start = 0;
    while (true) {
        const size_t dot = std::min(out.find('.', start), out.size());
        const std::string_view label(out.data() + start, dot - start);
        if (label.empty() || label.size() > 63) return fail("invalid domainpart: bad label length");
        if (label.front() == '-' || label.back() == '-') {
            return fail("invalid domainpart: label starts or ends with a hyphen");
        }
        const bool ldh = std::all_of(label.begin(), label.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        });
        if (!ldh) return fail("invalid domainpart: not a host name (letters, digits, hyphens)");
        if (dot == out.size()) return out;
        start = dot + 1;
    }
}

}  // namespace

namespace jid {

Result<std::string> nodeprep(std::string_view node) {
    if (node.empty()) return fail("empty localpart");
    std::string out;
    if (is_ascii(node)) {
        out.reserve(node.size());
        for (char c : node) {
            if (node_prohibited_ascii(c)) return fail("localpart contains a prohibited character");
            out.push_back(ascii_lower(c));
        }
    } else {
        auto r = prep(node, stringprep_xmpp_nodeprep, "localpart");
        if (!r) return r;
        out = std::move(*r);
        if (std::any_of(out.begin(), out.end(), node_prohibited_ascii)) {
            return fail("localpart contains a prohibited character");
        }
    }
    if (out.empty()) return fail("empty localpart");
    if (out.size() > Jid::kMaxPartBytes) return fail("localpart longer than 1023 bytes");
    return out;
}

Result<std::string> nameprep(std::string_view domain) {
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);  // RFC 7622 §3.2
    if (domain.empty()) return fail("empty domainpart");
    if (domain.front() == '[') {
        if (!valid_ip_literal(domain)) return fail("malformed IPv6 literal");
        std::string out(domain);
        std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
        return out;
    }
    std::string out;
    if (is_ascii(domain)) {
        out.reserve(domain.size());
        for (char c : domain) out.push_back(ascii_lower(c));
        if (out.size() > Jid::kMaxPartBytes) return fail("domainpart longer than 1023 bytes");
        // For ASCII labels, IDNA ToASCII (RFC 3490 §4.1) is steps 3 and 8
        // alone; libidn would run nameprep over them again first.
        return std_host_name(out);
    }
    auto r = prep(domain, stringprep_nameprep, "domainpart");
    if (!r) return r;
    out = std::move(*r);
    if (out.size() > Jid::kMaxPartBytes) return fail("domainpart longer than 1023 bytes");
    // Each label must survive IDNA ToASCII with the STD3 host name rules;
    // its ASCII form is then judged as an ASCII domainpart is.
    char* ascii = nullptr;
    const int rc = idna_to_ascii_8z(out.c_str(), &ascii, IDNA_USE_STD3_ASCII_RULES);
    std::unique_ptr<char, FreeDeleter> guard(ascii);
    if (rc != IDNA_SUCCESS) {
        return fail(std::string("invalid domainpart: ") +
                    idna_strerror(static_cast<Idna_rc>(rc)));
    }
    if (auto host = std_host_name(ascii); !host) return host.error();
    return out;
}

Result<std::string> resourceprep(std::string_view resource) {
    if (resource.empty()) return fail("empty resourcepart");
    std::string out;
    if (is_ascii(resource)) {
        for (char c : resource) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                return fail("resourcepart contains a control character");
            }
        }
        out.assign(resource);
    } else {
        auto r = prep(resource, stringprep_xmpp_resourceprep, "resourcepart");
        if (!r) return r;
        out = std::move(*r);
    }
    if (out.empty()) return fail("empty resourcepart");
    if (out.size() > Jid::kMaxPartBytes) return fail("resourcepart longer than 1023 bytes");
    return out;
}

}  // namespace jid

Jid::Jid(std::string node, std::string domain, std::string resource)
    : node_(std::move(node)), domain_(std::move(domain)), resource_(std::move(resource)) {
    full_.reserve(node_.size() + domain_.size() + resource_.size() + 2);
    if (!node_.empty()) full_.append(node_).push_back('@');
    full_.append(domain_);
    if (!resource_.empty()) full_.append("/").append(resource_);
}

Result<Jid> Jid::make(std::string_view node, std::string_view domain, std::string_view resource) {
    std::string n, r;
    if (!node.empty()) {
        auto p = jid::nodeprep(node);
        if (!p) return p.error();
        n = std::move(*p);
    }
    auto d = jid::nameprep(domain);
    if (!d) return d.error();
    if (!resource.empty()) {
        auto p = jid::resourceprep(resource);
        if (!p) return p.error();
        r = std::move(*p);
    }
    return Jid(std::move(n), std::move(*d), std::move(r));
}

Result<Jid> Jid::parse(std::string_view text) {
    if (text.empty()) return fail("empty JID");
    if (text.size() > 3 * kMaxPartBytes + 2) return fail("JID too long");
    // RFC 7622 §3.1: the first '/' starts the resource; the '@' before it
    // ends the localpart.
    std::string_view resource;
    if (const size_t slash = text.find('/'); slash != std::string_view::npos) {
        resource = text.substr(slash + 1);
        text = text.substr(0, slash);
        if (resource.empty()) return fail("empty resourcepart");
    }
    std::string_view node;
    if (const size_t at = text.find('@'); at != std::string_view::npos) {
        node = text.substr(0, at);
        text = text.substr(at + 1);
        if (node.empty()) return fail("empty localpart");
    }
    if (text.empty()) return fail("empty domainpart");
    return make(node, text, resource);
}

Jid Jid::bare() const { return Jid(node_, domain_, {}); }
Jid Jid::domain_jid() const { return Jid({}, domain_, {}); }
Jid Jid::with_resource(std::string resource) const { return Jid(node_, domain_, std::move(resource)); }

std::string Jid::bare_str() const {
    if (node_.empty()) return domain_;
    return node_ + "@" + domain_;
}

}  // namespace jng
