// Formatting and parsing the stanza marker.
#include "tag.hpp"

#include <charconv>

namespace jng::loadgen {

namespace {
constexpr std::string_view kPrefix = "lg ";

bool take_number(std::string_view& text, uint64_t& out) {
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc() || p == text.data()) return false;
    text.remove_prefix(static_cast<size_t>(p - text.data()));
    return true;
}

bool take_space(std::string_view& text) {
    if (text.empty() || text.front() != ' ') return false;
    text.remove_prefix(1);
    return true;
}
}  // namespace

void append_tag(std::string& out, const Tag& tag, size_t padding) {
    out.append(kPrefix);
    for (const uint64_t n : {tag.run, tag.sender, tag.seq, tag.sent_us}) {
        char digits[20];
        const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
        out.append(digits, end);
        out.push_back(' ');
    }
    out.pop_back();
    if (padding > 0) {
        out.push_back(' ');
        out.append(padding, 'x');
    }
}

std::string format_tag(const Tag& tag, size_t padding) {
    std::string s;
    s.reserve(64 + padding);
    append_tag(s, tag, padding);
    return s;
}

std::optional<Tag> parse_tag(std::string_view text) {
    if (!text.starts_with(kPrefix)) return std::nullopt;
    text.remove_prefix(kPrefix.size());
    Tag t;
    if (!take_number(text, t.run) || !take_space(text) || !take_number(text, t.sender) ||
        !take_space(text) || !take_number(text, t.seq) || !take_space(text) ||
        !take_number(text, t.sent_us)) {
        return std::nullopt;
    }
    if (!text.empty() && text.front() != ' ') return std::nullopt;
    return t;
}

}  // namespace jng::loadgen
