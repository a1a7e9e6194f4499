#include "storage/full_sync.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "storage/file_ops.hpp"
#include "storage/schema_upgrade.hpp"
#include "storage/sqlite_stmt.hpp"
#include "storage/unicase.hpp"

#include <memory>

namespace ankisync::storage {
namespace {

// The tables every schema-18 collection has; clients read all of them.
constexpr std::array<std::string_view, 12> required_tables = {
    "col",   "notes",     "cards",       "revlog", "graves", "notetypes",
    "fields", "templates", "decks", "deck_config", "config", "tags"};

// A failure while checking an upload is the upload's fault (corrupt),
// unless the server's own disk failed reading or writing it: those keep
// their code, so that the client hears of a server error instead.
std::unexpected<storage_error> upload_failure(const storage_error& e, std::string message) {
  const bool ours = e.code == storage_errc::io || e.code == storage_errc::busy ||
                    e.code == storage_errc::disk_full;
  return std::unexpected(storage_error{ours ? e.code : storage_errc::corrupt, std::move(message)});
}

} // namespace

result<void> validate_uploaded_collection(const std::filesystem::path& file) {
  // A legacy client uploads schema 11 (upstream's check accepts 14-17 as
  // well): checked for integrity as it came, then upgraded in place, so
  // what gets stored is schema 18.
  // Versions that are not a collection's, or that we refuse, fall through
  // to the open below, which names the reason.
  if (auto ver = collection_schema_version(file); ver && schema_needs_upgrade(*ver)) {
    schema_upgrade_options upgrade;
    upgrade.check_integrity = true;
    if (auto r = upgrade_to_schema18(file, upgrade); !r)
      return upload_failure(r.error(),
                            "schema " + std::to_string(*ver) + " upload: " + r.error().message);
  }
  return check_collection_file(file);
}

result<void> check_collection_file(const std::filesystem::path& file) {
  collection_options options;
  options.create_if_missing = false;
  options.check_integrity = true;
  options.cache_kib = 1024;
  auto col = collection::open(file, options);
  if (!col)
    return upload_failure(col.error(), col.error().message);
  for (auto table : required_tables) {
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = "select 1 from sqlite_master where type = 'table' and name = ?";
    if (sqlite3_prepare_v2(col->handle(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      return fail(storage_errc::sqlite, sqlite3_errmsg(col->handle()));
    sqlite3_bind_text(stmt, 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
    const bool found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    if (!found)
      return fail(storage_errc::corrupt, "the collection has no " + std::string(table) + " table");
  }
  return {};
}

result<void> snapshot_collection(const std::filesystem::path& source,
                                 const std::filesystem::path& dest) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(source.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return fail(storage_errc::sqlite, "snapshot: " + message);
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> guard(db, &sqlite3_close);
  // The copy rebuilds the name indexes, which need the collation.
  if (auto r = register_unicase(db); !r)
    return r;
  sqlite3_busy_timeout(db, 5000);
  // VACUUM INTO reads one consistent snapshot and writes a compact file
  // that needs no -wal, which is what a client expects to receive.
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "vacuum into ?", -1, &stmt, nullptr) != SQLITE_OK)
    return fail(storage_errc::sqlite, sqlite3_errmsg(db));
  const std::string target = dest.string();
  sqlite3_bind_text(stmt, 1, target.c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return fail(storage_errc::sqlite, std::string("snapshot: ") + sqlite3_errmsg(db));
  return {};
}

result<void> replace_collection_file(const std::filesystem::path& from,
                                     const std::filesystem::path& to) {
  if (auto r = fsync_path(from, false); !r)
    return r;
  std::error_code ec;
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::remove(to.string() + suffix, ec);
    if (ec)
      return fail(storage_errc::io, "remove " + to.string() + suffix + ": " + ec.message());
  }
  std::filesystem::rename(from, to, ec);
  if (ec)
    return fail(storage_errc::io, "rename " + from.string() + ": " + ec.message());
  return fsync_path(to.parent_path(), true);
}

} // namespace ankisync::storage
