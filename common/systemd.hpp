// systemd readiness and watchdog (sd_notify). Without NOTIFY_SOCKET these
// do nothing, so daemons call them unconditionally.
#pragma once

#include <string_view>

#include "net/loop.hpp"

namespace jng::systemd {

void notify_ready(std::string_view status = {});
void notify_status(std::string_view status);
void notify_stopping();

// Pings the watchdog at half the interval systemd asked for (WATCHDOG_USEC);
// nothing when no watchdog is configured. Keep the returned timer alive.
std::unique_ptr<net::Timer> start_watchdog(net::Loop& loop);

}  // namespace jng::systemd
