#include "storage/users_schema.hpp"

#include <sqlite3.h>

#include <array>
#include <string>
#include <string_view>

#include "storage/sqlite_stmt.hpp"
#include "storage/sqlite_tx.hpp"

namespace ankisync::storage {

namespace {

constexpr int busy_timeout_ms = 5000;

// migrations[n] takes the schema from version n to n + 1. Append only:
// released files are at every version in between.
constexpr std::array<std::string_view, 2> migrations = {
    R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  source TEXT NOT NULL,
  created INTEGER NOT NULL,
  env_key TEXT
);
CREATE TABLE host_keys (
  key TEXT PRIMARY KEY,
  name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  created INTEGER NOT NULL
);
-- Cascading deletes and per-user revocation look keys up by name.
CREATE INDEX host_keys_by_name ON host_keys(name);
)sql",
    // Per-user quotas in MB (ankisync user set); NULL: the profile's.
    R"sql(
ALTER TABLE users ADD COLUMN max_collection_mb INTEGER;
ALTER TABLE users ADD COLUMN max_media_mb INTEGER;
)sql",
};

result<std::int64_t> user_version(sqlite3* db) {
  auto stmt = sqlite_stmt::prepare(db, "PRAGMA user_version");
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  return *row ? stmt->int64(0) : 0;
}

} // namespace

result<void> configure_users_connection(sqlite3* db) {
  sqlite3_extended_result_codes(db, 1);
  // First, so the pragmas below already wait for other processes' locks.
  sqlite3_busy_timeout(db, busy_timeout_ms);
  if (auto r = sqlite_exec(db, "PRAGMA foreign_keys = ON"); !r) return r;

  auto mode = sqlite_stmt::prepare(db, "PRAGMA journal_mode = WAL");
  if (!mode) return std::unexpected(mode.error());
  auto row = mode->step();
  if (!row) return std::unexpected(row.error());
  // SQLite answers with the mode it ended up in; anything else than WAL
  // (e.g. a filesystem without shared memory) would break concurrent use.
  if (!*row || mode->text(0) != "wal")
    return fail(storage_errc::io, "users.db: could not switch to WAL journal mode");

  return sqlite_exec(db, "PRAGMA synchronous = NORMAL");
}

result<void> migrate_users_db(sqlite3* db) {
  constexpr auto latest = static_cast<std::int64_t>(migrations.size());
  // Read first so an up-to-date file costs no write lock at every open.
  auto version = user_version(db);
  if (!version) return std::unexpected(version.error());
  if (*version == latest) return {};

  auto tx = sqlite_tx::begin(db);
  if (!tx) return std::unexpected(tx.error());
  // Again under the lock: another process may have migrated meanwhile.
  version = user_version(db);
  if (!version) return std::unexpected(version.error());
  if (*version > latest || *version < 0)
    return fail(storage_errc::corrupt, "users.db schema version " + std::to_string(*version) +
                                           " is not one this build knows (up to " +
                                           std::to_string(latest) + ")");
  for (auto v = *version; v < latest; ++v)
    if (auto r = sqlite_exec(db, migrations[static_cast<std::size_t>(v)]); !r) return r;
  if (auto r = sqlite_exec(db, "PRAGMA user_version = " + std::to_string(latest)); !r)
    return r;
  return tx->commit();
}

} // namespace ankisync::storage
