// The sequence numbers one sender has sent and not yet seen come back.
// They are handed out in order and mostly return in order, so a window of
// flags from the oldest one still out does what a hash set did without an
// allocation per message. A number that never returns holds the window
// open behind it: it grows by one flag per message sent after it.
#pragma once

#include <cstdint>
#include <deque>

namespace jng::loadgen {

class Outstanding {
public:
    // `seq` is one more than the last added.
    void add(uint64_t seq) {
        if (flags_.empty()) base_ = seq;
        flags_.push_back(true);
        ++count_;
    }

    // False for a number never added or already removed (a duplicate).
    bool remove(uint64_t seq) {
        if (seq < base_ || seq - base_ >= flags_.size() || !flags_[seq - base_]) return false;
        flags_[seq - base_] = false;
        --count_;
        while (!flags_.empty() && !flags_.front()) {
            flags_.pop_front();
            ++base_;
        }
        return true;
    }

    uint64_t size() const { return count_; }

private:
    uint64_t base_ = 0;  // the sequence number of flags_.front()
    uint64_t count_ = 0;
    std::deque<bool> flags_;
};

}  // namespace jng::loadgen
