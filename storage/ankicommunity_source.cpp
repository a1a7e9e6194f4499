#include "storage/ankicommunity_source.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "storage/sqlite_handle.hpp"
#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {

namespace {

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

// Only allocation can throw in here.
template <class F>
auto guarded(const std::filesystem::path& file, F&& body) noexcept -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(storage_errc::io, file.string() + ": " + e.what());
  } catch (...) {
    return fail(storage_errc::io, file.string() + ": unknown failure");
  }
}

// Read-only and never created: a missing file is an error, not a new one.
result<sqlite_handle> open_read_only(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  sqlite_handle handle(raw);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(raw, rc, "open " + file.string()));
  sqlite3_extended_result_codes(raw, 1);
  return handle;
}

result<bool> has_table(sqlite3* db, std::string_view table) {
  auto stmt = sqlite_stmt::prepare(
      db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE");
  if (!stmt) return error_of(stmt);
  if (auto r = stmt->bind(1, table); !r) return error_of(r);
  return stmt->step();
}

// Opens `file` and checks that `table` is there, so a wrong file gets a
// clear message instead of SQLite's "no such table".
result<sqlite_handle> open_with_table(const std::filesystem::path& file, std::string_view table) {
  auto db = open_read_only(file);
  if (!db) return error_of(db);
  auto found = has_table(*db, table);
  if (!found)
    return fail(storage_errc::corrupt, file.string() + ": not an SQLite database (" +
                                           found.error().message + ")");
  if (!*found)
    return fail(storage_errc::corrupt, file.string() + " has no " + std::string(table) + " table");
  return db;
}

// Runs a query whose rows are all text-ish and hands each row to `row`.
template <class F>
result<void> each_row(sqlite3* db, std::string_view sql, F&& row) {
  auto stmt = sqlite_stmt::prepare(db, sql);
  if (!stmt) return error_of(stmt);
  while (true) {
    auto more = stmt->step();
    if (!more) return error_of(more);
    if (!*more) return {};
    if (auto r = row(*stmt); !r) return r;
  }
}

result<std::int64_t> single_int(sqlite3* db, std::string_view sql) {
  auto stmt = sqlite_stmt::prepare(db, sql);
  if (!stmt) return error_of(stmt);
  auto row = stmt->step();
  if (!row) return error_of(row);
  return *row ? stmt->int64(0) : 0;
}

// ankisyncd writes hex text; a 20-byte blob is taken too.
std::optional<std::string> normalized_sha1_hex(const sqlite_stmt& stmt, int column) {
  if (auto blob = stmt.blob(column)) {
    if (blob->size() != 20) return std::nullopt;
    constexpr std::string_view digits = "0123456789abcdef";
    std::string hex;
    for (unsigned char b : *blob) {
      hex.push_back(digits[b >> 4]);
      hex.push_back(digits[b & 0x0f]);
    }
    return hex;
  }
  auto text = stmt.text(column);
  if (text.size() != 40) return std::nullopt;
  for (auto& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return text;
}

// The highest usn the meta table records, under whichever name this
// version of the server gave the column; 0 without one.
result<std::int64_t> meta_usn(sqlite3* db) {
  auto found = has_table(db, "meta");
  if (!found) return error_of(found);
  if (!*found) return std::int64_t{0};
  std::vector<std::string> columns;
  auto listed = each_row(db, "SELECT name FROM pragma_table_info('meta')",
                         [&](const sqlite_stmt& s) -> result<void> {
                           columns.push_back(s.text(0));
                           return {};
                         });
  if (!listed) return error_of(listed);
  std::int64_t best = 0;
  for (const auto& column : columns) {
    std::string lowered = column;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lowered != "usn" && lowered != "lastusn" && lowered != "last_usn") continue;
    // The name comes from the file's own schema, quoted as an identifier.
    std::string quoted = "\"";
    for (char c : column) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    auto value = single_int(db, "SELECT coalesce(max(CAST(" + quoted + " AS INTEGER)), 0) FROM meta");
    if (!value) return error_of(value);
    best = std::max(best, *value);
  }
  return best;
}

} // namespace

result<void> settle_sqlite_copy(const std::filesystem::path& file) {
  return guarded(file, [&]() -> result<void> {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
      return fail(storage_errc::not_found, file.string() + " is not a file");
    auto db = open_read_write(file);
    if (!db) return error_of(db);
    sqlite3_busy_timeout(*db, 2000);
    // The first read rolls back a hot journal or reads the -wal in; the
    // close that follows checkpoints the -wal into the file.
    auto r = single_int(*db, "SELECT count(*) FROM sqlite_master");
    if (!r)
      return fail(storage_errc::corrupt, file.string() + ": not an SQLite database (" +
                                             r.error().message + ")");
    return {};
  });
}

result<std::vector<ankicommunity_account>> read_ankicommunity_auth(
    const std::filesystem::path& auth_db) {
  return guarded(auth_db, [&]() -> result<std::vector<ankicommunity_account>> {
    auto db = open_with_table(auth_db, "auth");
    if (!db) return error_of(db);
    std::vector<ankicommunity_account> accounts;
    auto r = each_row(*db, "SELECT username, hash FROM auth ORDER BY username",
                      [&](const sqlite_stmt& s) -> result<void> {
                        accounts.push_back({s.text(0), s.optional_text(1).value_or("")});
                        return {};
                      });
    if (!r) return error_of(r);
    return accounts;
  });
}

result<std::vector<ankicommunity_session>> read_ankicommunity_sessions(
    const std::filesystem::path& session_db) {
  return guarded(session_db, [&]() -> result<std::vector<ankicommunity_session>> {
    auto db = open_with_table(session_db, "session");
    if (!db) return error_of(db);
    std::vector<ankicommunity_session> sessions;
    auto r = each_row(*db,
                      "SELECT hkey, username FROM session WHERE hkey IS NOT NULL AND "
                      "username IS NOT NULL ORDER BY username, hkey",
                      [&](const sqlite_stmt& s) -> result<void> {
                        sessions.push_back({s.text(0), s.text(1)});
                        return {};
                      });
    if (!r) return error_of(r);
    return sessions;
  });
}

result<ankicommunity_media_index> read_ankicommunity_media(
    const std::filesystem::path& media_server_db) {
  return guarded(media_server_db, [&]() -> result<ankicommunity_media_index> {
    auto db = open_with_table(media_server_db, "media");
    if (!db) return error_of(db);
    ankicommunity_media_index index;
    auto r = each_row(*db, "SELECT fname, usn, csum FROM media ORDER BY usn, fname",
                      [&](const sqlite_stmt& s) -> result<void> {
                        ankicommunity_media_row row{s.text(0), s.int64(1), std::nullopt};
                        if (s.optional_text(2)) {
                          row.sha1_hex = normalized_sha1_hex(s, 2);
                          if (!row.sha1_hex)
                            return fail(storage_errc::corrupt,
                                        media_server_db.string() + ": the csum of '" + row.fname +
                                            "' is not a sha1");
                        }
                        index.last_usn = std::max(index.last_usn, row.usn);
                        index.rows.push_back(std::move(row));
                        return {};
                      });
    if (!r) return error_of(r);
    auto meta = meta_usn(*db);
    if (!meta) return error_of(meta);
    index.last_usn = std::max(index.last_usn, *meta);
    return index;
  });
}

result<collection_summary> read_collection_summary(const std::filesystem::path& collection) {
  return guarded(collection, [&]() -> result<collection_summary> {
    auto db = open_with_table(collection, "col");
    if (!db) return error_of(db);
    collection_summary summary;
    auto stmt = sqlite_stmt::prepare(*db, "SELECT ver, usn, mod, scm FROM col");
    if (!stmt) return error_of(stmt);
    auto row = stmt->step();
    if (!row) return error_of(row);
    if (!*row) return fail(storage_errc::corrupt, collection.string() + ": the col table is empty");
    summary.ver = stmt->int64(0);
    summary.usn = stmt->int64(1);
    summary.mod = stmt->int64(2);
    summary.scm = stmt->int64(3);
    auto notes = single_int(*db, "SELECT count(*) FROM notes");
    if (!notes) return error_of(notes);
    auto cards = single_int(*db, "SELECT count(*) FROM cards");
    if (!cards) return error_of(cards);
    summary.notes = *notes;
    summary.cards = *cards;
    return summary;
  });
}

} // namespace ankisync::storage
