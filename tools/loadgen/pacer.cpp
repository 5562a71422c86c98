// Pacer: the sending phase's clock.
#include "pacer.hpp"

#include <algorithm>

#include "client.hpp"
#include "run.hpp"

namespace jng::loadgen {

void Pacer::start(std::function<void()> tick, std::function<void()> over) {
    start_us_ = now_us();
    measure_start_us_ = start_us_ + static_cast<uint64_t>(opts_.warmup * 1e6);
    measure_end_us_ = measure_start_us_ + static_cast<uint64_t>(opts_.duration * 1e6);
    over_ = std::make_unique<net::Timer>(loop_, std::move(over));
    over_->start(to_ms(opts_.warmup + opts_.duration));
    if (opts_.rate > 0) {
        max_under_way_ = std::max<uint64_t>(100'000, static_cast<uint64_t>(opts_.rate * 10));
        tick_ = std::make_unique<net::Timer>(loop_, std::move(tick));
        tick_->start_repeating(std::chrono::milliseconds(1));
    }
}

void Pacer::due(uint64_t now_us, const uint64_t& under_way,
                const std::function<void(uint64_t at)>& send, const std::function<void()>& skip) {
    const double elapsed = static_cast<double>(now_us - start_us_) / 1e6;
    const auto due = static_cast<uint64_t>(elapsed * opts_.rate) + 1;
    while (scheduled_ < due) {
        const uint64_t at =
            start_us_ + static_cast<uint64_t>(static_cast<double>(scheduled_) * 1e6 / opts_.rate);
        ++scheduled_;
        if (under_way >= max_under_way_) {
            skip();
        } else {
            send(at);
        }
    }
}

}  // namespace jng::loadgen
