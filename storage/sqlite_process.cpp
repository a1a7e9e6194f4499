#include "storage/sqlite_process.hpp"

#include <sqlite3.h>

namespace ankisync::storage {

void configure_sqlite_process() { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

} // namespace ankisync::storage
