#pragma once

// Internal to the collection's .cpp files: the state behind `collection`
// and helpers they share.

#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "storage/collection.hpp"
#include "storage/sqlite_tx.hpp"
#include "storage/stmt_cache.hpp"

namespace ankisync::storage {

// Files written by third-party tools differ from upstream's layout (the
// project fixture does); these record what was found at open so writes
// still do what upstream would on its own layout.
struct collection_layout {
  // tags(tag, usn, collapsed, config) since schema 17; some files lack
  // the last two.
  bool tags_have_collapsed = true;
  // graves keyed by (oid, type) since schema 18; an older rowid table has
  // no key, so duplicates must be avoided by hand.
  bool graves_keyed = true;
};

struct collection::connection {
  connection(std::filesystem::path p, sqlite3* handle) : path(std::move(p)), db(handle), stmts(handle) {}
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  std::filesystem::path path;
  sqlite3* db;
  stmt_cache stmts;
  std::optional<sqlite_tx> tx; // the session transaction
  collection_layout layout;
};

// Public functions promise no exceptions; the only thing that can throw
// is an allocation, which becomes an error like any other.
template <class F>
auto guarded(F&& body) noexcept -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(storage_errc::io, std::string("collection: ") + e.what());
  } catch (...) {
    return fail(storage_errc::io, "collection: unknown failure");
  }
}

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

namespace detail {
template <class T>
result<void> bind_one(cached_stmt& stmt, int index, const T& value) {
  // The caller's values outlive the borrowed statement: no copy needed.
  if constexpr (std::is_convertible_v<const T&, std::string_view>)
    return stmt.bind_text_borrowed(index, std::string_view(value));
  else
    return stmt.bind(index, static_cast<std::int64_t>(value));
}
} // namespace detail

// Binds values to parameters 1, 2, ... in order (integers or text).
template <class... Args>
result<void> bind_all(cached_stmt& stmt, const Args&... args) {
  int index = 0;
  result<void> r;
  ((r = r ? detail::bind_one(stmt, ++index, args) : r), ...);
  return r;
}

// Runs a cached statement with arguments and no rows of interest.
template <class... Args>
result<void> exec_cached(stmt_cache& stmts, std::string_view sql, const Args&... args) {
  auto stmt = stmts.get(sql);
  if (!stmt) return error_of(stmt);
  if (auto r = bind_all(*stmt, args...); !r) return r;
  return stmt->run();
}

// mod and usn of the row `sql` selects by id, if there is one.
inline result<std::optional<row_stamp>> read_stamp(stmt_cache& stmts, std::string_view sql,
                                                   std::int64_t id) {
  auto stmt = stmts.get(sql);
  if (!stmt) return error_of(stmt);
  if (auto r = stmt->bind(1, id); !r) return error_of(r);
  auto row = stmt->step();
  if (!row) return error_of(row);
  if (!*row) return std::optional<row_stamp>();
  return row_stamp{stmt->int64(0), static_cast<std::int32_t>(stmt->int64(1))};
}

// The WHERE clause selecting rows changed since a client last synced:
// upstream's Usn::pending_object_clause.
inline std::string_view pending_clause(std::int32_t min_usn) {
  return min_usn == -1 ? "usn = ?1" : "usn >= ?1";
}

} // namespace ankisync::storage
