// A BIO between OpenSSL and the session's own buffers. Memory BIOs copy
// every record into a buffer of their own (which also keeps its largest
// size for the life of the connection); this one lets OpenSSL read the
// ciphertext feed() was given where it lies and write records straight into
// the string drain() hands out.
#pragma once

#include <openssl/bio.h>

#include <string>
#include <string_view>

namespace jng::tls::openssl {

struct BioBuffers {
    std::string_view input;  // ciphertext not yet read by OpenSSL
    std::string output;      // ciphertext OpenSSL wrote, for the network
};

// A new BIO over `buffers`, which must outlive it; nullptr if OpenSSL
// cannot allocate one. An empty input reads as "retry", never as end of
// stream: the event loop, which owns the socket, is the one that sees EOF.
BIO* new_buffer_bio(BioBuffers& buffers);

}  // namespace jng::tls::openssl
