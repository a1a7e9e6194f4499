#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/storage_error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ankisync::storage {

class stmt_cache;

// A cached statement lent out for one use. Leaving scope resets it and
// clears its bindings, so it is ready (and holds no read lock) for the
// next borrower. Parameters count from 1, columns from 0, as in the C API.
class cached_stmt {
public:
  cached_stmt(const cached_stmt&) = delete;
  cached_stmt& operator=(const cached_stmt&) = delete;
  cached_stmt(cached_stmt&& other) noexcept;
  cached_stmt& operator=(cached_stmt&&) = delete;
  ~cached_stmt();

  result<void> bind(int index, std::int64_t value);
  result<void> bind_text(int index, std::string_view text);
  // Binds without a copy: `text` must outlive this borrow (exec_cached's
  // arguments do). Rows of a chunk carry kilobytes of fields each.
  result<void> bind_text_borrowed(int index, std::string_view text);
  // Empty bytes bind a zero-length blob, never NULL.
  result<void> bind_blob(int index, std::string_view bytes);

  // True when a row is ready, false when done.
  result<bool> step();
  // Steps to completion for statements whose rows do not matter.
  result<void> run();

  std::int64_t int64(int column) const;
  std::string text(int column) const;
  // The column's bytes whatever its storage class (TEXT or BLOB).
  std::string bytes(int column) const;

private:
  friend class stmt_cache;
  cached_stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Prepared statements of one connection, kept for its lifetime: a sync
// writes thousands of rows with a handful of statements, and preparing
// each time would cost more than the writes. Keyed by SQL text; callers
// pass string literals.
class stmt_cache {
public:
  explicit stmt_cache(sqlite3* db) : db_(db) {}
  stmt_cache(const stmt_cache&) = delete;
  stmt_cache& operator=(const stmt_cache&) = delete;
  ~stmt_cache();

  result<cached_stmt> get(std::string_view sql);
  // Finalizes everything (before the connection closes).
  void clear() noexcept;

private:
  struct sql_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, sql_hash, std::equal_to<>> stmts_;
};

} // namespace ankisync::storage
