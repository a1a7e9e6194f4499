#include "storage/sqlite_handle.hpp"

#include <sqlite3.h>

#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {

sqlite_handle& sqlite_handle::operator=(sqlite_handle&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

sqlite_handle::~sqlite_handle() { sqlite3_close_v2(db_); }

result<sqlite_handle> open_read_write(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  sqlite_handle handle(raw); // owns the handle even when opening failed
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(raw, rc, "open " + file.string()));
  return handle;
}

} // namespace ankisync::storage
