// sd_notify wrappers.
#include "systemd.hpp"

#include <systemd/sd-daemon.h>

#include <string>

namespace jng::systemd {

void notify_ready(std::string_view status) {
    std::string msg = "READY=1";
    if (!status.empty()) msg += "\nSTATUS=" + std::string(status);
    sd_notify(0, msg.c_str());
}

void notify_status(std::string_view status) {
    sd_notify(0, ("STATUS=" + std::string(status)).c_str());
}

void notify_stopping() { sd_notify(0, "STOPPING=1"); }

std::unique_ptr<net::Timer> start_watchdog(net::Loop& loop) {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return nullptr;
    auto t = std::make_unique<net::Timer>(loop, [] { sd_notify(0, "WATCHDOG=1"); });
    t->start_repeating(std::chrono::milliseconds(usec / 2000));
    return t;
}

}  // namespace jng::systemd
