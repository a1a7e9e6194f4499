#include "storage/sqlite_stmt.hpp"

#include <sqlite3.h>

#include <cerrno>

#include <utility>

namespace ankisync::storage {

namespace {

int last_errno_of(sqlite3_file* file) {
  int err = 0;
  if (file != nullptr && file->pMethods != nullptr)
    file->pMethods->xFileControl(file, SQLITE_FCNTL_LAST_ERRNO, &err);
  return err;
}

// SQLite says FULL only for ENOSPC; a quota (EDQUOT) or file-size limit
// (EFBIG) comes as a write error. The connection's errno is read after
// the rollback's own calls, so the files' own last errno is asked too:
// the database's, and its log's (where a commit writes).
bool write_found_disk_full(sqlite3* db) {
  if (is_disk_full(sqlite3_system_errno(db)))
    return true;
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK &&
      is_disk_full(last_errno_of(file)))
    return true;
  file = nullptr;
  return sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) == SQLITE_OK &&
         is_disk_full(last_errno_of(file));
}

} // namespace

storage_error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  // The connection's message is only about this failure if it is the
  // connection's latest error; otherwise fall back to the generic text.
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) message += sqlite3_errmsg(db);
  else message += sqlite3_errstr(rc);

  storage_errc code = storage_errc::sqlite;
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED: code = storage_errc::busy; break;
  case SQLITE_FULL: code = storage_errc::disk_full; break;
  case SQLITE_IOERR:
    code = db != nullptr && write_found_disk_full(db) ? storage_errc::disk_full : storage_errc::io;
    break;
  case SQLITE_CANTOPEN:
  case SQLITE_READONLY:
  case SQLITE_PERM: code = storage_errc::io; break;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB: code = storage_errc::corrupt; break;
  case SQLITE_CONSTRAINT:
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
      code = storage_errc::exists;
    else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
      code = storage_errc::not_found; // the row it points at is gone
    else
      code = storage_errc::invalid;
    break;
  default: break;
  }
  return storage_error{code, std::move(message)};
}

namespace {
// A moved-from owner passes a null handle; SQLite would crash on it.
std::unexpected<storage_error> closed() {
  return fail(storage_errc::sqlite, "database connection is closed");
}
} // namespace

result<void> sqlite_exec(sqlite3* db, std::string_view sql) {
  if (db == nullptr) return closed();
  std::string text(sql); // sqlite3_exec wants a NUL-terminated string
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db, rc, text));
  return {};
}

result<sqlite_stmt> sqlite_stmt::prepare(sqlite3* db, std::string_view sql) {
  if (db == nullptr) return closed();
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return std::unexpected(sqlite_error(db, rc, "prepare"));
  }
  return sqlite_stmt(db, stmt);
}

sqlite_stmt::sqlite_stmt(sqlite_stmt&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

sqlite_stmt& sqlite_stmt::operator=(sqlite_stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

sqlite_stmt::~sqlite_stmt() { sqlite3_finalize(stmt_); }

result<void> sqlite_stmt::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so callers may pass temporaries.
  int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "bind"));
  return {};
}

result<void> sqlite_stmt::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "bind"));
  return {};
}

result<void> sqlite_stmt::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "bind"));
  return {};
}

result<void> sqlite_stmt::bind_blob(int index, std::string_view bytes) {
  // A null pointer would bind SQL NULL, so point at something even when empty.
  static const char empty = 0;
  const void* p = bytes.empty() ? &empty : bytes.data();
  int rc = sqlite3_bind_blob64(stmt_, index, p, bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "bind"));
  return {};
}

result<bool> sqlite_stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(sqlite_error(db_, rc, sqlite3_sql(stmt_)));
}

result<void> sqlite_stmt::run() {
  while (true) {
    auto more = step();
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) return {};
  }
}

void sqlite_stmt::reset() { sqlite3_reset(stmt_); }

std::string sqlite_stmt::text(int column) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> sqlite_stmt::optional_text(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

std::optional<std::string> sqlite_stmt::blob(int column) const {
  if (sqlite3_column_type(stmt_, column) != SQLITE_BLOB) return std::nullopt;
  auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  if (p == nullptr) return std::string(); // zero-length blob
  return std::string(p, n);
}

std::int64_t sqlite_stmt::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

} // namespace ankisync::storage
