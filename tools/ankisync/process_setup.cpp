#include "tools/ankisync/process_setup.hpp"

#include <malloc.h>

#include "storage/sqlite_process.hpp"

namespace ankisync::app {

void setup_process(const profiles::profile& profile) {
  if (profile.malloc_arenas > 0)
    ::mallopt(M_ARENA_MAX, static_cast<int>(profile.malloc_arenas));
  storage::configure_sqlite_process();
}

} // namespace ankisync::app
