// The buffer BIO's method table and callbacks.
#include "tls/openssl/buffer_bio.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace jng::tls::openssl {
namespace {

BioBuffers& buffers_of(BIO* bio) { return *static_cast<BioBuffers*>(BIO_get_data(bio)); }

int buffer_read(BIO* bio, char* data, size_t size, size_t* read) {
    BIO_clear_retry_flags(bio);
    std::string_view& input = buffers_of(bio).input;
    if (input.empty()) {
        BIO_set_retry_read(bio);
        *read = 0;
        return 0;
    }
    const size_t n = std::min(size, input.size());
    std::memcpy(data, input.data(), n);
    input.remove_prefix(n);
    *read = n;
    return 1;
}

int buffer_write(BIO* bio, const char* data, size_t size, size_t* written) {
    BIO_clear_retry_flags(bio);
    buffers_of(bio).output.append(data, size);
    *written = size;
    return 1;
}

long buffer_ctrl(BIO* bio, int cmd, long /*num*/, void* /*ptr*/) {
    switch (cmd) {
        case BIO_CTRL_FLUSH: return 1;
        case BIO_CTRL_PENDING: return static_cast<long>(buffers_of(bio).input.size());
        case BIO_CTRL_WPENDING: return static_cast<long>(buffers_of(bio).output.size());
        default: return 0;
    }
}

int buffer_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

struct MethodFree {
    void operator()(BIO_METHOD* m) const { BIO_meth_free(m); }
};

// Built once and never changed afterwards; OpenSSL's own methods are
// static tables too.
BIO_METHOD* buffer_method() {
    static const std::unique_ptr<BIO_METHOD, MethodFree> method = [] {
        std::unique_ptr<BIO_METHOD, MethodFree> m(
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "jabberd-ng buffers"));
        if (m && (BIO_meth_set_read_ex(m.get(), buffer_read) != 1 ||
                  BIO_meth_set_write_ex(m.get(), buffer_write) != 1 ||
                  BIO_meth_set_ctrl(m.get(), buffer_ctrl) != 1 ||
                  BIO_meth_set_create(m.get(), buffer_create) != 1)) {
            m.reset();
        }
        return m;
    }();
    return method.get();
}

}  // namespace

BIO* new_buffer_bio(BioBuffers& buffers) {
    BIO_METHOD* method = buffer_method();
    if (method == nullptr) return nullptr;
    BIO* bio = BIO_new(method);
    if (bio != nullptr) BIO_set_data(bio, &buffers);
    return bio;
}

}  // namespace jng::tls::openssl
