#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/storage_error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ankisync::storage {

// Turns a SQLite result code into the room's vocabulary. Expects extended
// result codes to be on, so a primary-key clash can say `exists`.
storage_error sqlite_error(sqlite3* db, int rc, std::string_view what);

// Runs SQL text that returns no rows (may hold several statements).
result<void> sqlite_exec(sqlite3* db, std::string_view sql);

// One prepared statement, finalized on destruction. Parameters are
// numbered from 1 and columns from 0, as in the C API.
class sqlite_stmt {
public:
  static result<sqlite_stmt> prepare(sqlite3* db, std::string_view sql);
  sqlite_stmt(sqlite_stmt&& other) noexcept;
  sqlite_stmt& operator=(sqlite_stmt&& other) noexcept;
  ~sqlite_stmt();

  result<void> bind(int index, std::string_view text);
  result<void> bind(int index, std::int64_t value);
  result<void> bind_null(int index);
  // Binds bytes as a BLOB. Empty bytes still bind a zero-length blob, not
  // NULL: Anki's protobuf columns are NOT NULL and an all-default message
  // encodes to zero bytes.
  result<void> bind_blob(int index, std::string_view bytes);

  // Binds the arguments to parameters 1, 2, ... in order.
  template <class... Args>
  result<void> bind_all(const Args&... args) {
    int index = 0;
    result<void> r;
    ((r = r ? bind(++index, args) : r), ...);
    return r;
  }

  // True when a row is ready to read, false when the statement is done.
  result<bool> step();
  // Steps to completion; for statements whose rows (if any) don't matter.
  result<void> run();
  // Makes the statement ready to be bound and stepped again (bindings
  // are replaced one by one by the next bind calls).
  void reset();

  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t int64(int column) const;
  // The column's bytes if it holds a BLOB; nullopt for any other type, so a
  // caller can refuse TEXT where Anki stores protobuf.
  std::optional<std::string> blob(int column) const;

private:
  sqlite_stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

} // namespace ankisync::storage
