// getrandom(2)-backed identifiers.
#include "random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

namespace jng {
namespace {
void fill(unsigned char* p, size_t n) {
    while (n > 0) {
        const ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("getrandom failed");
        }
        p += r;
        n -= static_cast<size_t>(r);
    }
}
}  // namespace

std::string random_hex(size_t bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::vector<unsigned char> buf(bytes);
    fill(buf.data(), bytes);
    std::string out;
    out.reserve(bytes * 2);
    for (unsigned char c : buf) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    return out;
}

std::string random_token(size_t length) {
    static constexpr char kAlphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::vector<unsigned char> buf(length);
    fill(buf.data(), length);
    std::string out;
    out.reserve(length);
    // 62 symbols: the modulo bias (256 % 62 = 8) is irrelevant for identifiers.
    for (unsigned char c : buf) out.push_back(kAlphabet[c % 62]);
    return out;
}

}  // namespace jng
