// Peer certificate parsing: subjectAltName dNSName, SRV-ID (RFC 4985),
// id-on-xmppAddr (RFC 6120 §13.7.1.4), the subject CN, and the chain verdict.
#include "tls/openssl/certificate.hpp"

#include <openssl/objects.h>

#include <optional>
#include <string>

#include "tls/openssl/errors.hpp"
#include "tls/openssl/handles.hpp"

namespace jng::tls::openssl {
namespace {

// The bytes of an ASN.1 string, refusing any with an embedded NUL: a name like
// "example.com\0.attacker.net" must not pass for example.com anywhere the
// text is later handled as a C string.
std::optional<std::string> string_bytes(const ASN1_STRING* value) {
    if (value == nullptr) return std::nullopt;
    const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(value));
    const int length = ASN1_STRING_length(value);
    if (data == nullptr || length < 0) return std::nullopt;
    std::string text(data, static_cast<size_t>(length));
    if (text.find('\0') != std::string::npos) return std::nullopt;
    return text;
}

// RFC 4985 §2 requires SRVName to be an IA5String and RFC 6120 §13.7.1.4
// requires XmppAddr to be a UTF8String; a value of any other type is ignored
// rather than reinterpreted.
void read_other_name(const OTHERNAME* other, PeerCertificate& out) {
    if (other == nullptr || other->type_id == nullptr || other->value == nullptr) return;
    const ASN1_TYPE* value = other->value;
    switch (OBJ_obj2nid(other->type_id)) {
        case NID_SRVName:
            if (value->type != V_ASN1_IA5STRING) return;
            if (auto text = string_bytes(value->value.ia5string)) out.srv_names.push_back(*text);
            return;
        case NID_XmppAddr:
            if (value->type != V_ASN1_UTF8STRING) return;
            if (auto text = string_bytes(value->value.utf8string)) out.xmpp_addrs.push_back(*text);
            return;
        default:
            return;
    }
}

void read_subject_alt_names(X509* cert, PeerCertificate& out) {
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return;
    const int count = sk_GENERAL_NAME_num(names.get());
    for (int i = 0; i < count; ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
        if (name == nullptr) continue;
        if (name->type == GEN_DNS) {
            if (auto text = string_bytes(name->d.dNSName)) out.dns_names.push_back(*text);
        } else if (name->type == GEN_OTHERNAME) {
            read_other_name(name->d.otherName, out);
        }
    }
}

// The last CN is the most specific one when a subject carries several.
std::string read_common_name(X509* cert) {
    const X509_NAME* subject = X509_get_subject_name(cert);
    if (subject == nullptr) return {};
    int last = -1;
    for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) last = i;
    if (last < 0) return {};
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length < 0) return {};
    const Utf8Ptr owned(utf8);
    std::string text(reinterpret_cast<const char*>(owned.get()), static_cast<size_t>(length));
    if (text.find('\0') != std::string::npos) return {};
    return text;
}

}  // namespace

PeerCertificate describe_peer_certificate(const SSL* ssl) {
    ErrorQueueScope errors;
    PeerCertificate result;
    const X509Ptr cert(SSL_get1_peer_certificate(ssl));
    if (!cert) return result;
    result.present = true;

    const long verdict = SSL_get_verify_result(ssl);
    result.chain_valid = verdict == X509_V_OK;
    if (!result.chain_valid) result.verify_error = X509_verify_cert_error_string(verdict);

    read_subject_alt_names(cert.get(), result);
    result.common_name = read_common_name(cert.get());
    return result;
}

}  // namespace jng::tls::openssl
