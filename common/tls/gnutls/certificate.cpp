// Peer certificate parsing: subjectAltName dNSName, SRV-ID (RFC 4985),
// id-on-xmppAddr (RFC 6120 §13.7.1.4), the subject CN, and the chain verdict.
#include "tls/gnutls/certificate.hpp"

#include <optional>
#include <string>
#include <string_view>

#include "tls/gnutls/errors.hpp"
#include "tls/gnutls/handles.hpp"

namespace jng::tls::gnutls {
namespace {

constexpr std::string_view kSubjectAltNameOid = "2.5.29.17";
constexpr std::string_view kSrvNameOid = "1.3.6.1.5.5.7.8.7";   // RFC 4985 id-on-dnsSRV
constexpr std::string_view kXmppAddrOid = "1.3.6.1.5.5.7.8.5";  // RFC 6120 id-on-xmppAddr

// DER universal tags of the two string types the identifiers may use.
constexpr unsigned char kUtf8StringTag = 0x0c;
constexpr unsigned char kIa5StringTag = 0x16;

std::string_view view_of(const gnutls_datum_t& datum) {
    return {reinterpret_cast<const char*>(datum.data), datum.size};
}

// Text refusing any embedded NUL: a name like "example.com\0.attacker.net"
// must not pass for example.com anywhere it is later handled as a C string.
std::optional<std::string> clean_text(std::string_view bytes) {
    if (bytes.find('\0') != std::string_view::npos) return std::nullopt;
    return std::string(bytes);
}

// The content of a DER string of type `tag` that fills `der` exactly, or
// nullopt for anything else: another type, a bad length, trailing bytes.
std::optional<std::string> der_string(std::string_view der, unsigned char tag) {
    if (der.size() < 2 || static_cast<unsigned char>(der[0]) != tag) return std::nullopt;
    size_t length = static_cast<unsigned char>(der[1]);
    size_t header = 2;
    if (length & 0x80) {
        // Long form: the low bits count the length bytes that follow.
        const size_t count = length & 0x7f;
        if (count == 0 || count > sizeof(size_t) || der.size() < 2 + count) return std::nullopt;
        length = 0;
        for (size_t i = 0; i < count; ++i) {
            length = (length << 8) | static_cast<unsigned char>(der[2 + i]);
        }
        header += count;
    }
    if (der.size() - header != length) return std::nullopt;
    return clean_text(der.substr(header));
}

// GnuTLS hands an otherName's value over as the DER of what the [0] EXPLICIT
// tag wraps. RFC 4985 §2 requires SRVName to be an IA5String and RFC 6120
// §13.7.1.4 requires XmppAddr to be a UTF8String; a value of any other type
// is ignored rather than reinterpreted.
void read_other_name(std::string_view oid, std::string_view value, PeerCertificate& out) {
    if (oid == kSrvNameOid) {
        if (auto text = der_string(value, kIa5StringTag)) out.srv_names.push_back(*text);
    } else if (oid == kXmppAddrOid) {
        if (auto text = der_string(value, kUtf8StringTag)) out.xmpp_addrs.push_back(*text);
    }
}

void read_subject_alt_names(gnutls_x509_crt_t cert, PeerCertificate& out) {
    OwnedDatum extension;
    unsigned int critical = 0;
    if (gnutls_x509_crt_get_extension_by_oid2(cert, kSubjectAltNameOid.data(), 0, extension.get(),
                                              &critical) < 0) {
        return;
    }
    gnutls_subject_alt_names_t raw = nullptr;
    if (gnutls_subject_alt_names_init(&raw) < 0) return;
    const SubjectAltNamesPtr names(raw);
    if (gnutls_x509_ext_import_subject_alt_names(extension.get(), names.get(), 0) < 0) return;

    for (unsigned int i = 0;; ++i) {
        unsigned int type = 0;
        gnutls_datum_t value{};
        gnutls_datum_t oid{};
        // The data stays owned by `names`.
        if (gnutls_subject_alt_names_get(names.get(), i, &type, &value, &oid) < 0) return;
        if (type == GNUTLS_SAN_DNSNAME) {
            if (auto text = clean_text(view_of(value))) out.dns_names.push_back(*text);
        } else if (type == GNUTLS_SAN_OTHERNAME) {
            // The OID arrives as NUL-terminated dotted text.
            read_other_name(view_of(oid).substr(0, view_of(oid).find('\0')), view_of(value), out);
        }
    }
}

// The CN at `index`, converted to UTF-8 whatever string type the certificate
// used; nullopt once there are no more.
std::optional<std::string> common_name_at(gnutls_x509_crt_t cert, unsigned int index) {
    size_t size = 0;
    int rc =
        gnutls_x509_crt_get_dn_by_oid(cert, GNUTLS_OID_X520_COMMON_NAME, index, 0, nullptr, &size);
    if (rc == 0) return std::string();  // present, and empty
    if (rc != GNUTLS_E_SHORT_MEMORY_BUFFER) return std::nullopt;
    std::string text(size, '\0');
    rc = gnutls_x509_crt_get_dn_by_oid(cert, GNUTLS_OID_X520_COMMON_NAME, index, 0, text.data(),
                                       &size);
    if (rc < 0) return std::nullopt;
    text.resize(size);  // without the terminating NUL GnuTLS added
    return text;
}

// The last CN is the most specific one when a subject carries several.
std::string read_common_name(gnutls_x509_crt_t cert) {
    std::string last;
    for (unsigned int i = 0;; ++i) {
        auto name = common_name_at(cert, i);
        if (!name) break;
        last = std::move(*name);
    }
    return clean_text(last).value_or(std::string());
}

// The certificate asked for is a remote server's (s2s, XEP-0178), so it is
// judged as one: serverAuth, whichever side opened the connection, as the
// OpenSSL backend does. A clientAuth-only certificate never proves a domain.
void verify_chain(gnutls_session_t session, PeerCertificate& out) {
    gnutls_typed_vdata_st purpose{};
    purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
    purpose.data = reinterpret_cast<unsigned char*>(const_cast<char*>(GNUTLS_KP_TLS_WWW_SERVER));
    unsigned int status = 0;
    if (const int rc = gnutls_certificate_verify_peers(session, &purpose, 1, &status); rc < 0) {
        out.verify_error = describe(rc);
        return;
    }
    out.chain_valid = status == 0;
    if (out.chain_valid) return;
    OwnedDatum text;
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, text.get(), 0) < 0) {
        out.verify_error = "certificate verification failed";
        return;
    }
    // GnuTLS ends each sentence with a space, the last one too.
    std::string_view why = text.view();
    while (!why.empty() && (why.back() == ' ' || why.back() == '\0')) why.remove_suffix(1);
    out.verify_error = std::string(why);
}

}  // namespace

PeerCertificate describe_peer_certificate(gnutls_session_t session) {
    PeerCertificate result;
    if (gnutls_certificate_type_get(session) != GNUTLS_CRT_X509) return result;
    unsigned int count = 0;
    const gnutls_datum_t* chain = gnutls_certificate_get_peers(session, &count);
    if (chain == nullptr || count == 0) return result;
    result.present = true;
    verify_chain(session, result);

    gnutls_x509_crt_t raw = nullptr;
    if (gnutls_x509_crt_init(&raw) < 0) return result;
    const X509CrtPtr cert(raw);
    if (gnutls_x509_crt_import(cert.get(), &chain[0], GNUTLS_X509_FMT_DER) < 0) return result;
    read_subject_alt_names(cert.get(), result);
    result.common_name = read_common_name(cert.get());
    return result;
}

}  // namespace jng::tls::gnutls
