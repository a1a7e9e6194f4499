#pragma once

#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// Per-connection settings users.db relies on: WAL so the server and the CLI
// can work at once, a busy timeout so they wait for each other instead of
// failing, foreign keys so removing a user takes its host keys along.
result<void> configure_users_connection(sqlite3* db);

// Brings the schema up to date (PRAGMA user_version), all in one
// transaction. A file from a newer build is refused as corrupt rather than
// written with assumptions that no longer hold.
result<void> migrate_users_db(sqlite3* db);

} // namespace ankisync::storage
