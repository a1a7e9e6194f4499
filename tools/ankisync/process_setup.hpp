#pragma once

#include "profiles/profile.hpp"

namespace ankisync::app {

// Process-wide settings made once at start, before any other thread runs
// and before the libraries are first used: the allocator's arenas (from the
// profile), the open-file limit (raised to the hard limit) and SQLite's
// global options.
void setup_process(const profiles::profile& profile);

} // namespace ankisync::app
