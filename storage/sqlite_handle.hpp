#pragma once

// An owned SQLite connection: closed when dropped, moved but never copied.
// Converts to sqlite3* so the C API and our statement helpers take it as is.

#include <filesystem>
#include <utility>

#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

class sqlite_handle {
public:
  sqlite_handle() = default;
  explicit sqlite_handle(sqlite3* db) : db_(db) {}
  sqlite_handle(sqlite_handle&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  sqlite_handle& operator=(sqlite_handle&& other) noexcept;
  sqlite_handle(const sqlite_handle&) = delete;
  sqlite_handle& operator=(const sqlite_handle&) = delete;
  ~sqlite_handle();

  sqlite3* get() const { return db_; }
  operator sqlite3*() const { return db_; }

private:
  sqlite3* db_ = nullptr;
};

// A read-write connection to `file`, created if missing. The error names
// the file.
result<sqlite_handle> open_read_write(const std::filesystem::path& file);

} // namespace ankisync::storage
