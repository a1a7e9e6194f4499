#pragma once

// Internal to schema_upgrade.cpp and schema_downgrade.cpp: a private
// connection to a collection file and the exclusive transaction both
// conversions run in.

#include <sqlite3.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/sqlite_handle.hpp"
#include "storage/sqlite_stmt.hpp"
#include "storage/storage_error.hpp"
#include "storage/unicase.hpp"

namespace ankisync::storage::convert {

using db_handle = sqlite_handle;

// Opens an existing file (never creates one) with extended result codes
// and the unicase collation, which every statement on a schema >= 14 file
// may need (name indexes, ALTER TABLE's schema check, integrity_check).
inline result<db_handle> open_file(const std::filesystem::path& file, bool read_only) {
  sqlite3* raw = nullptr;
  const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  db_handle db(raw);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(raw, rc, "open " + file.string()));
  sqlite3_extended_result_codes(raw, 1);
  if (auto r = register_unicase(raw); !r) return std::unexpected(r.error());
  // The file is the caller's own (a temp upload, a fresh snapshot); a
  // short wait covers a reader that is just finishing.
  sqlite3_busy_timeout(raw, 2000);
  return db;
}

// BEGIN EXCLUSIVE, as upstream runs its upgrades and downgrades; rolls
// back unless committed.
class exclusive_tx {
public:
  static result<exclusive_tx> begin(sqlite3* db) {
    if (auto r = sqlite_exec(db, "begin exclusive"); !r) return std::unexpected(r.error());
    return exclusive_tx(db);
  }
  exclusive_tx(exclusive_tx&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  exclusive_tx& operator=(exclusive_tx&&) = delete;
  ~exclusive_tx() {
    if (db_ != nullptr && sqlite3_get_autocommit(db_) == 0)
      sqlite3_exec(db_, "rollback", nullptr, nullptr, nullptr);
  }
  result<void> commit() {
    auto r = sqlite_exec(db_, "commit");
    if (r) db_ = nullptr;
    return r;
  }

private:
  explicit exclusive_tx(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// PRAGMA integrity_check's whole answer ("ok" when healthy).
inline result<std::string> integrity_check(sqlite3* db) {
  auto stmt = sqlite_stmt::prepare(db, "pragma integrity_check");
  if (!stmt) return std::unexpected(stmt.error());
  std::string answer;
  while (true) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return answer;
    if (!answer.empty()) answer += '\n';
    answer += stmt->text(0);
  }
}

// The conversions promise no exceptions; only allocation (Boost.JSON,
// protobuf, strings) can throw in them.
template <class F>
auto guarded(std::string_view what, F&& body) noexcept -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(storage_errc::io, std::string(what) + ": " + e.what());
  } catch (...) {
    return fail(storage_errc::io, std::string(what) + ": unknown failure");
  }
}

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

} // namespace ankisync::storage::convert
