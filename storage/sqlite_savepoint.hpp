#pragma once

#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// Makes a group of writes all-or-nothing whether or not a transaction is
// already open (a sync session keeps one open for its whole length, so
// BEGIN would fail there). Rolls back to the savepoint unless released.
class sqlite_savepoint {
public:
  static result<sqlite_savepoint> begin(sqlite3* db);
  sqlite_savepoint(sqlite_savepoint&& other) noexcept;
  sqlite_savepoint& operator=(sqlite_savepoint&&) = delete;
  ~sqlite_savepoint();

  result<void> release();

private:
  explicit sqlite_savepoint(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr; // null once released or moved from
};

} // namespace ankisync::storage
