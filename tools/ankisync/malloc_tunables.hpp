#pragma once

#include <optional>
#include <string>

#include "profiles/profile.hpp"

namespace ankisync::app {

// glibc reads its malloc tunables from GLIBC_TUNABLES once, as a process
// starts; nothing can change them later. The new value of the variable
// when `profile` asks for a setting that `current` (the variable as it
// is, or null) does not fix yet; nullopt when nothing needs to change. A
// setting the user already put there is kept.
std::optional<std::string> malloc_tunables_to_set(const profiles::profile& profile,
                                                  const char* current);

// Starts `serve` over once, same process id and arguments, with the
// variable set, when malloc_tunables_to_set says so. Returns only when no
// restart is needed, or when it failed (logged; the server then runs with
// glibc's defaults).
void restart_with_malloc_tunables(const profiles::profile& profile, char** argv);

} // namespace ankisync::app
