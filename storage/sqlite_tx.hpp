#pragma once

#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// A write transaction that rolls back unless committed, so an early error
// return cannot leave half a change behind.
class sqlite_tx {
public:
  // BEGIN IMMEDIATE: takes the write lock up front (waiting up to the busy
  // timeout), so a read-then-write cannot fail halfway with SQLITE_BUSY.
  static result<sqlite_tx> begin(sqlite3* db);
  sqlite_tx(sqlite_tx&& other) noexcept;
  sqlite_tx& operator=(sqlite_tx&&) = delete;
  ~sqlite_tx();

  result<void> commit();

private:
  explicit sqlite_tx(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr; // null once committed or moved from
};

} // namespace ankisync::storage
