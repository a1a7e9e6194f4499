#include "storage/sqlite_tx.hpp"

#include <sqlite3.h>

#include <utility>

#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {

result<sqlite_tx> sqlite_tx::begin(sqlite3* db) {
  if (auto r = sqlite_exec(db, "BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
  return sqlite_tx(db);
}

sqlite_tx::sqlite_tx(sqlite_tx&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

sqlite_tx::~sqlite_tx() {
  // A failed COMMIT can leave the transaction open; ending it here keeps
  // the connection usable. Nothing to report from a destructor.
  if (db_ != nullptr && sqlite3_get_autocommit(db_) == 0)
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

result<void> sqlite_tx::commit() {
  auto r = sqlite_exec(db_, "COMMIT");
  if (r) db_ = nullptr;
  return r;
}

} // namespace ankisync::storage
