#include "storage/stmt_cache.hpp"

#include <sqlite3.h>

#include <utility>

#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {

cached_stmt::cached_stmt(cached_stmt&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

cached_stmt::~cached_stmt() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

result<void> cached_stmt::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "bind"));
  return {};
}

result<void> cached_stmt::bind_text(int index, std::string_view text) {
  int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "bind"));
  return {};
}

result<void> cached_stmt::bind_text_borrowed(int index, std::string_view text) {
  int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "bind"));
  return {};
}

result<void> cached_stmt::bind_blob(int index, std::string_view bytes) {
  static const char empty = 0; // a null pointer would bind NULL
  const void* p = bytes.empty() ? &empty : bytes.data();
  int rc = sqlite3_bind_blob64(stmt_, index, p, bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "bind"));
  return {};
}

result<bool> cached_stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(sqlite_error(db_, rc, sqlite3_sql(stmt_)));
}

result<void> cached_stmt::run() {
  while (true) {
    auto more = step();
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) return {};
  }
}

std::int64_t cached_stmt::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string cached_stmt::text(int column) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string cached_stmt::bytes(int column) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

stmt_cache::~stmt_cache() { clear(); }

void stmt_cache::clear() noexcept {
  for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
  stmts_.clear();
}

result<cached_stmt> stmt_cache::get(std::string_view sql) {
  auto it = stmts_.find(sql);
  if (it == stmts_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return std::unexpected(sqlite_error(db_, rc, "prepare"));
    }
    it = stmts_.emplace(std::string(sql), stmt).first;
  }
  return cached_stmt(db_, it->second);
}

} // namespace ankisync::storage
