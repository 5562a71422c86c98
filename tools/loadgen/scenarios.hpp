// The scenarios, one per file. Each runs the loop until it is done (or its
// time is up) and fills the run's report; the error is for runs that could
// not start or that the options make meaningless.
#pragma once

#include "result.hpp"
#include "run.hpp"

namespace jng::loadgen {

Status run_login(Run& run);
Status run_chat(Run& run);
Status run_presence(Run& run);
Status run_idle(Run& run);
Status run_offline(Run& run);
Status run_roster_setup(Run& run);

}  // namespace jng::loadgen
