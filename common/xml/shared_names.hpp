// One libxml2 name dictionary for the stream readers of a process.
//
// Each libxml2 parser interns the element, attribute and prefix names and
// namespace URIs it meets in a dictionary of its own whose empty table
// alone is 4 KB, most of what an idle client session's parser costs. The
// streams of one process meet the same few hundred names, so they share one.
//
// What a peer adds to a shared dictionary outlives its connection. Each
// stream may add at most ReaderLimits::max_names names of at most
// max_name_bytes each; a dictionary serves new parsers only until
// `rotate_bytes` of names are in it, and is freed when the last parser using
// it goes (a quiet stream's parser is freed within two hibernate-after
// periods). While more than `max_retired` full dictionaries are still held,
// new parsers get a private dictionary, as without sharing.
//
// Single-threaded, like the dictionaries themselves: one per event loop.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

struct _xmlDict;

namespace jng::xml {

class SharedNames {
public:
    struct Limits {
        size_t rotate_bytes = 1024 * 1024;
        size_t max_retired = 2;
    };

    // One dictionary. Parsers take libxml2 references of their own; this
    // object holds the dictionary for as long as a parser might be given it.
    class Generation {
    public:
        explicit Generation(_xmlDict* dict) : dict_(dict) {}
        ~Generation();
        Generation(const Generation&) = delete;
        Generation& operator=(const Generation&) = delete;
        _xmlDict* dict() const { return dict_; }

    private:
        _xmlDict* dict_;
    };

    explicit SharedNames(Limits limits);
    SharedNames() : SharedNames(Limits{}) {}

    // The dictionary for a new parser, to keep for the parser's life; null
    // when the parser should keep its own.
    std::shared_ptr<Generation> acquire();

    // Dictionaries some parser still holds, the current one included.
    size_t generations_alive();

private:
    void forget_released();

    Limits limits_;
    std::shared_ptr<Generation> current_;
    std::vector<std::weak_ptr<Generation>> retired_;
};

}  // namespace jng::xml
