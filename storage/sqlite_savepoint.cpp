#include "storage/sqlite_savepoint.hpp"

#include <sqlite3.h>

#include <utility>

#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {

// One name for all: savepoints nest by position, so reusing it is safe.
result<sqlite_savepoint> sqlite_savepoint::begin(sqlite3* db) {
  if (auto r = sqlite_exec(db, "SAVEPOINT ankisync_sp"); !r) return std::unexpected(r.error());
  return sqlite_savepoint(db);
}

sqlite_savepoint::sqlite_savepoint(sqlite_savepoint&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

sqlite_savepoint::~sqlite_savepoint() {
  if (db_ == nullptr) return;
  // ROLLBACK TO keeps the savepoint open; RELEASE then ends it. Nothing to
  // report from a destructor.
  sqlite3_exec(db_, "ROLLBACK TO ankisync_sp; RELEASE ankisync_sp", nullptr, nullptr, nullptr);
}

result<void> sqlite_savepoint::release() {
  auto r = sqlite_exec(db_, "RELEASE ankisync_sp");
  if (r) db_ = nullptr;
  return r;
}

} // namespace ankisync::storage
