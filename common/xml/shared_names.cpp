#include "xml/shared_names.hpp"

// libxml2 2.9's dict.h uses xmlChar without including its definition.
#include <libxml/xmlstring.h>

#include <libxml/dict.h>

namespace jng::xml {

SharedNames::Generation::~Generation() { xmlDictFree(dict_); }

SharedNames::SharedNames(Limits limits) : limits_(limits) {}

void SharedNames::forget_released() {
    std::erase_if(retired_, [](const std::weak_ptr<Generation>& g) { return g.expired(); });
}

std::shared_ptr<SharedNames::Generation> SharedNames::acquire() {
    if (current_ && xmlDictGetUsage(current_->dict()) >= limits_.rotate_bytes) {
        retired_.push_back(current_);
        current_.reset();
    }
    forget_released();
    if (!current_) {
        if (retired_.size() > limits_.max_retired) return nullptr;
        _xmlDict* dict = xmlDictCreate();
        if (dict == nullptr) return nullptr;
        current_ = std::make_shared<Generation>(dict);
    }
    return current_;
}

size_t SharedNames::generations_alive() {
    forget_released();
    return retired_.size() + (current_ ? 1 : 0);
}

}  // namespace jng::xml
