#pragma once

namespace ankisync::storage {

// Process-wide SQLite settings for the server, made before any connection
// opens (SQLite refuses them afterwards; the call then changes nothing).
// Turns off SQLite's memory statistics: they take a global mutex on every
// allocation, shared by all users' collections, and nothing reads them.
void configure_sqlite_process();

} // namespace ankisync::storage
