#include "storage/media_db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <system_error>
#include <utility>

#include "storage/sqlite_stmt.hpp"
#include "storage/sqlite_tx.hpp"

namespace ankisync::storage {

namespace {

constexpr std::size_t sha1_bytes = 20;

// Only the user's own actor opens this file, so a lock held by someone
// else is a stray process (an admin's sqlite3 shell): fail soon, clearly.
constexpr int busy_timeout_ms = 1000;

// Upstream's server media schema, version 4 (persisted: do not change).
constexpr std::int64_t current_version = 4;
constexpr std::int64_t legacy_version = 3;

// ix_csum is ours, not upstream's: the content store removes a file only
// when no live row names its sha1 any more, and that lookup must not scan.
// Upstream ignores extra indexes, so the file stays readable by it.
constexpr std::string_view csum_index_sql = "CREATE INDEX IF NOT EXISTS ix_csum ON media (csum);";

// [ours] Present when the rows' contents live in the content store by SHA-1;
// absent in a database the official server wrote, whose files lie by name
// beside it until media_layout moves them. Upstream ignores extra tables.
constexpr std::string_view layout_table = "ankisync_layout";
constexpr std::string_view mark_layout_sql =
    "CREATE TABLE IF NOT EXISTS ankisync_layout (contents text NOT NULL);"
    "DELETE FROM ankisync_layout;"
    "INSERT INTO ankisync_layout (contents) VALUES ('by-sha1');";
constexpr std::string_view unmark_layout_sql = "DROP TABLE IF EXISTS ankisync_layout;";

constexpr std::string_view create_v4_sql = R"sql(
CREATE TABLE media (
  fname text NOT NULL PRIMARY KEY,
  csum blob NOT NULL,
  -- 0: the file was deleted (csum still names its last content)
  size int NOT NULL,
  usn int NOT NULL,
  mtime int NOT NULL
);
CREATE INDEX ix_usn ON media (usn);
CREATE TABLE meta (
  last_usn int NOT NULL,
  total_bytes int NOT NULL,
  total_nonempty_files int NOT NULL
);
INSERT INTO meta (last_usn, total_bytes, total_nonempty_files) VALUES (0, 0, 0);
)sql";

// Schema 3 nulled csum on deletion and named the columns sz/deleted. Its
// deletion records are dropped, as upstream does. [ours] last_usn never
// goes down: it is the highest usn schema 3 handed out (its meta or any row,
// deletion records included), not only that of the rows kept, so a client
// that already saw a dropped record is never ahead of the server.
constexpr std::string_view migrate_v3_sql = R"sql(
ALTER TABLE media RENAME TO media_v3;
DROP INDEX IF EXISTS ix_usn;
CREATE TABLE media (
  fname text NOT NULL PRIMARY KEY,
  csum blob NOT NULL,
  size int NOT NULL,
  usn int NOT NULL,
  mtime int NOT NULL
);
INSERT INTO media (fname, csum, size, usn, mtime)
  SELECT fname, csum, sz, usn, deleted FROM media_v3 WHERE csum IS NOT NULL;
CREATE TABLE meta_v4 (
  last_usn int NOT NULL,
  total_bytes int NOT NULL,
  total_nonempty_files int NOT NULL
);
INSERT INTO meta_v4 (last_usn, total_bytes, total_nonempty_files) VALUES (
  max(coalesce((SELECT max(usn) FROM media_v3), 0), coalesce((SELECT max(usn) FROM meta), 0)),
  coalesce((SELECT sum(size) FROM media WHERE size > 0), 0),
  (SELECT count(*) FROM media WHERE size > 0)
);
DROP TABLE media_v3;
DROP TABLE meta;
ALTER TABLE meta_v4 RENAME TO meta;
CREATE INDEX ix_usn ON media (usn);
)sql";

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

// Public functions promise not to throw; the only thing that can is an
// allocation, which becomes an error like any other.
template <class F>
auto guarded(F&& body) noexcept -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(storage_errc::io, std::string("media.db: ") + e.what());
  } catch (...) {
    return fail(storage_errc::io, "media.db: unknown failure");
  }
}

std::int64_t saturating_sub(std::int64_t a, std::int64_t b) { return a > b ? a - b : 0; }

result<std::int64_t> user_version(sqlite3* db) {
  auto stmt = sqlite_stmt::prepare(db, "PRAGMA user_version");
  if (!stmt) return error_of(stmt);
  auto row = stmt->step();
  if (!row) return error_of(row);
  return *row ? stmt->int64(0) : 0;
}

result<void> configure(sqlite3* db) {
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  auto mode = sqlite_stmt::prepare(db, "PRAGMA journal_mode = WAL");
  if (!mode) return error_of(mode);
  auto row = mode->step();
  if (!row) return error_of(row);
  if (!*row || mode->text(0) != "wal")
    return fail(storage_errc::io, "media.db: could not switch to WAL journal mode");
  // FULL, not NORMAL: apply_upload removes replaced contents right after
  // its commit, so that commit must survive a power loss; otherwise the
  // database could come back naming files that are gone.
  return sqlite_exec(db, "PRAGMA synchronous = FULL");
}

result<void> migrate(sqlite3* db) {
  auto version = user_version(db);
  if (!version) return error_of(version);
  if (*version == current_version) return sqlite_exec(db, csum_index_sql);

  bool migrated_v3 = false;
  {
    auto tx = sqlite_tx::begin(db);
    if (!tx) return error_of(tx);
    version = user_version(db); // again under the lock
    if (!version) return error_of(version);
    if (*version == 0) {
      if (auto r = sqlite_exec(db, create_v4_sql); !r) return r;
      // A database born here has nothing by name to move.
      if (auto r = sqlite_exec(db, mark_layout_sql); !r) return r;
    } else if (*version == legacy_version) {
      if (auto r = sqlite_exec(db, migrate_v3_sql); !r) return r;
      migrated_v3 = true;
    } else if (*version != current_version) {
      return fail(storage_errc::corrupt, "media.db schema version " + std::to_string(*version) +
                                             " is not one this build knows (3 or 4)");
    }
    if (auto r = sqlite_exec(db, csum_index_sql); !r) return r;
    if (auto r = sqlite_exec(db, "PRAGMA user_version = 4"); !r) return r;
    if (auto r = tx->commit(); !r) return r;
  }
  // Gives back the dropped tables' pages, as upstream does; the migrated
  // data is committed already, so a failure here changes nothing.
  if (migrated_v3) (void)sqlite_exec(db, "VACUUM");
  return {};
}

result<media_totals> read_totals(sqlite3* db) {
  auto stmt =
      sqlite_stmt::prepare(db, "SELECT last_usn, total_bytes, total_nonempty_files FROM meta");
  if (!stmt) return error_of(stmt);
  auto row = stmt->step();
  if (!row) return error_of(row);
  if (!*row) return fail(storage_errc::corrupt, "media.db: the meta table has no row");
  return media_totals{stmt->int64(0), stmt->int64(1), stmt->int64(2)};
}

result<void> write_totals(sqlite3* db, const media_totals& t) {
  auto stmt = sqlite_stmt::prepare(
      db, "UPDATE meta SET last_usn = ?, total_bytes = ?, total_nonempty_files = ?");
  if (!stmt) return error_of(stmt);
  if (auto r = stmt->bind_all(t.last_usn, t.total_bytes, t.total_nonempty_files); !r) return r;
  return stmt->run();
}

// A live row's csum, checked: a content id of another length would make
// the client and the store disagree about which bytes are meant.
result<std::string> live_csum(const sqlite_stmt& stmt, int column, std::string_view fname) {
  auto csum = stmt.blob(column);
  if (!csum || csum->size() != sha1_bytes)
    return fail(storage_errc::corrupt,
                "media.db: row '" + std::string(fname) + "' has no 20-byte checksum");
  return std::move(*csum);
}

constexpr std::string_view read_live_sql = "SELECT csum, size FROM media WHERE fname = ? AND size > 0";
constexpr std::string_view write_row_sql =
    "INSERT OR REPLACE INTO media (fname, csum, size, usn, mtime) VALUES (?, ?, ?, ?, ?)";

result<std::optional<media_live_file>> read_live(sqlite_stmt& stmt, std::string_view fname) {
  stmt.reset();
  if (auto r = stmt.bind(1, fname); !r) return error_of(r);
  auto row = stmt.step();
  if (!row) return error_of(row);
  if (!*row) return std::optional<media_live_file>{};
  auto csum = live_csum(stmt, 0, fname);
  if (!csum) return error_of(csum);
  return std::optional<media_live_file>{
      media_live_file{std::string(fname), std::move(*csum), stmt.int64(1)}};
}

result<std::optional<media_live_file>> read_live(sqlite3* db, std::string_view fname) {
  auto stmt = sqlite_stmt::prepare(db, read_live_sql);
  if (!stmt) return error_of(stmt);
  return read_live(*stmt, fname);
}

result<bool> is_referenced(sqlite3* db, std::string_view sha1_raw) {
  auto stmt = sqlite_stmt::prepare(db, "SELECT 1 FROM media WHERE csum = ? AND size > 0 LIMIT 1");
  if (!stmt) return error_of(stmt);
  if (auto r = stmt->bind_blob(1, sha1_raw); !r) return error_of(r);
  return stmt->step();
}

result<void> write_row(sqlite_stmt& stmt, std::string_view fname, std::string_view csum,
                       std::int64_t size, std::int64_t usn, std::int64_t mtime) {
  stmt.reset();
  if (auto r = stmt.bind(1, fname); !r) return r;
  if (auto r = stmt.bind_blob(2, csum); !r) return r;
  if (auto r = stmt.bind(3, size); !r) return r;
  if (auto r = stmt.bind(4, usn); !r) return r;
  if (auto r = stmt.bind(5, mtime); !r) return r;
  return stmt.run();
}

result<void> check_changes(const std::vector<media_upload_change>& changes) {
  for (const auto& change : changes) {
    if (change.deletion) continue;
    if (change.sha1_raw.size() != sha1_bytes || change.size <= 0 || change.staged.empty())
      return fail(storage_errc::invalid, "media upload entry '" + change.fname +
                                             "' needs a 20-byte sha1, a size and a staged file");
  }
  return {};
}

void remove_quietly(const std::filesystem::path& path) {
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

// Puts an added content under its sha1. A content already there is
// trusted only when a row (committed, or written earlier in this
// transaction for a content synced with it) names it: an unreferenced
// one may be what a power cut left of a content renamed but not yet
// synced, so the new, complete file replaces it. Whatever was renamed is
// added to `to_sync`.
result<void> adopt_content(sqlite3* db, const media_store& store,
                           const media_upload_change& change,
                           std::vector<media_store::written>& to_sync) {
  auto adopted = store.adopt(change.staged, change.sha1_raw);
  if (!adopted) return error_of(adopted);
  if (*adopted == media_store::adopted::already_there) {
    auto used = is_referenced(db, change.sha1_raw);
    if (!used) return error_of(used);
    if (*used) {
      remove_quietly(change.staged);
      return {};
    }
    auto replaced = store.adopt(change.staged, change.sha1_raw, true);
    if (!replaced) return error_of(replaced);
  }
  to_sync.push_back({change.fd, change.sha1_raw});
  return {};
}

} // namespace

result<media_db> media_db::open(const std::filesystem::path& path) {
  return guarded([&]() -> result<media_db> {
    auto db = open_read_write(path);
    if (!db) return error_of(db);
    if (auto r = configure(*db); !r) return error_of(r);
    if (auto r = migrate(*db); !r) return error_of(r);
    return media_db(std::move(*db));
  });
}

result<media_totals> media_db::totals() {
  return guarded([&]() -> result<media_totals> { return read_totals(db_); });
}

result<std::vector<media_change_row>> media_db::changes_since(std::int64_t after_usn,
                                                               std::size_t limit) {
  return guarded([&]() -> result<std::vector<media_change_row>> {
    // Clients take the last row's usn as their next starting point, so the
    // order is stated rather than left to whichever index SQLite picks.
    auto stmt = sqlite_stmt::prepare(
        db_, "SELECT fname, usn, size, csum FROM media WHERE usn > ? ORDER BY usn LIMIT ?");
    if (!stmt) return error_of(stmt);
    const auto max_limit = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    if (auto r = stmt->bind_all(after_usn, static_cast<std::int64_t>(std::min(limit, max_limit)));
        !r)
      return error_of(r);
    std::vector<media_change_row> rows;
    while (true) {
      auto more = stmt->step();
      if (!more) return error_of(more);
      if (!*more) return rows;
      media_change_row row{stmt->text(0), stmt->int64(1), {}};
      if (stmt->int64(2) > 0) {
        auto csum = live_csum(*stmt, 3, row.fname);
        if (!csum) return error_of(csum);
        row.sha1_raw = std::move(*csum);
      }
      rows.push_back(std::move(row));
    }
  });
}

result<std::optional<media_live_file>> media_db::live_file(std::string_view fname) {
  return guarded([&]() { return read_live(db_, fname); });
}

result<media_upload_outcome> media_db::apply_upload(const std::vector<media_upload_change>& changes,
                                                    const media_store& store, std::int64_t now_s) {
  // Contents whose last live row this upload may have replaced or deleted.
  std::vector<std::string> released;
  auto outcome = guarded([&]() -> result<media_upload_outcome> {
    if (auto r = check_changes(changes); !r) return error_of(r);
    auto tx = sqlite_tx::begin(db_);
    if (!tx) return error_of(tx);
    auto totals = read_totals(db_);
    if (!totals) return error_of(totals);

    // Prepared once for the whole zip.
    auto read_stmt = sqlite_stmt::prepare(db_, read_live_sql);
    if (!read_stmt) return error_of(read_stmt);
    auto write_stmt = sqlite_stmt::prepare(db_, write_row_sql);
    if (!write_stmt) return error_of(write_stmt);

    media_upload_outcome out;
    std::vector<media_store::written> to_sync;
    for (const auto& change : changes) {
      ++out.processed;
      auto existing = read_live(*read_stmt, change.fname);
      if (!existing) return error_of(existing);

      if (change.deletion) {
        if (!*existing) continue; // already deleted
        const auto& old = **existing;
        const auto usn = ++totals->last_usn;
        // The deletion record keeps the old csum, as upstream's does.
        if (auto r = write_row(*write_stmt, change.fname, old.sha1_raw, 0, usn, now_s); !r)
          return error_of(r);
        totals->total_bytes = saturating_sub(totals->total_bytes, old.size);
        totals->total_nonempty_files = saturating_sub(totals->total_nonempty_files, 1);
        released.push_back(old.sha1_raw);
        continue;
      }

      if (*existing && (*existing)->sha1_raw == change.sha1_raw) {
        remove_quietly(change.staged); // identical: nothing to keep
        continue;
      }
      if (auto r = adopt_content(db_, store, change, to_sync); !r) return error_of(r);
      const auto usn = ++totals->last_usn;
      if (auto r = write_row(*write_stmt, change.fname, change.sha1_raw, change.size, usn, now_s); !r)
        return error_of(r);
      if (*existing) {
        totals->total_bytes =
            saturating_sub(totals->total_bytes, (*existing)->size) + change.size;
        released.push_back((*existing)->sha1_raw);
      } else {
        totals->total_bytes += change.size;
        totals->total_nonempty_files += 1;
      }
    }
    // One batch of syncs for the whole zip, before the commit: once
    // committed, every live row's content is complete on disk.
    if (auto r = store.sync(to_sync); !r) return error_of(r);
    if (auto r = write_totals(db_, *totals); !r) return error_of(r);
    if (auto r = tx->commit(); !r) return error_of(r);
    out.last_usn = totals->last_usn;
    return out;
  });

  if (!outcome) {
    // Adopted files no longer have their temp name; what they left in the
    // store is unreferenced: never trusted (adopt_content), and removed at
    // the next remove_unreferenced.
    for (const auto& change : changes) remove_quietly(change.staged);
    return outcome;
  }

  // The upload is committed whatever happens here: a content that cannot
  // be removed now stays unreferenced until remove_unreferenced.
  (void)guarded([&]() -> result<void> {
    std::sort(released.begin(), released.end());
    released.erase(std::unique(released.begin(), released.end()), released.end());
    for (const auto& sha1 : released) {
      auto used = is_referenced(db_, sha1);
      if (used && !*used) (void)store.remove(sha1);
    }
    return {};
  });
  return outcome;
}

result<media_totals> media_db::import_rows(const std::vector<media_import_row>& rows,
                                           std::int64_t last_usn) {
  return guarded([&]() -> result<media_totals> {
    media_totals totals;
    totals.last_usn = last_usn;
    for (const auto& row : rows) {
      if (row.size < 0 || row.usn < 0 || (row.size > 0 && row.sha1_raw.size() != sha1_bytes))
        return fail(storage_errc::invalid, "imported media row '" + row.fname +
                                               "' needs a usn, a size and, when live, a sha1");
      totals.last_usn = std::max(totals.last_usn, row.usn);
      if (row.size > 0) {
        totals.total_bytes += row.size;
        totals.total_nonempty_files += 1;
      }
    }

    auto tx = sqlite_tx::begin(db_);
    if (!tx) return error_of(tx);
    auto any = sqlite_stmt::prepare(db_, "SELECT 1 FROM media LIMIT 1");
    if (!any) return error_of(any);
    auto has_rows = any->step();
    if (!has_rows) return error_of(has_rows);
    if (*has_rows) return fail(storage_errc::exists, "media.db already has rows");
    // The files of imported rows lie by name beside the database, as the
    // official server keeps them, until media_layout takes them over.
    if (auto r = sqlite_exec(db_, unmark_layout_sql); !r) return error_of(r);

    // Schema 4 wants a csum on every row; a deletion record whose old
    // server kept none (ankisyncd nulls it) gets 20 zero bytes, which no
    // content has. Nothing reads the csum of a deletion record.
    const std::string no_csum(sha1_bytes, '\0');
    for (const auto& row : rows) {
      auto insert = sqlite_stmt::prepare(
          db_, "INSERT INTO media (fname, csum, size, usn, mtime) VALUES (?, ?, ?, ?, ?)");
      if (!insert) return error_of(insert);
      const auto& csum = row.size == 0 && row.sha1_raw.size() != sha1_bytes ? no_csum : row.sha1_raw;
      if (auto r = insert->bind(1, row.fname); !r) return error_of(r);
      if (auto r = insert->bind_blob(2, csum); !r) return error_of(r);
      if (auto r = insert->bind(3, row.size); !r) return error_of(r);
      if (auto r = insert->bind(4, row.usn); !r) return error_of(r);
      if (auto r = insert->bind(5, row.mtime); !r) return error_of(r);
      if (auto r = insert->run(); !r) {
        if (r.error().code == storage_errc::exists)
          return fail(storage_errc::invalid, "imported media row '" + row.fname + "' is given twice");
        return error_of(r);
      }
    }
    if (auto r = write_totals(db_, totals); !r) return error_of(r);
    if (auto r = tx->commit(); !r) return error_of(r);
    return totals;
  });
}

result<void> media_db::forget(std::string_view fname) {
  return guarded([&]() -> result<void> {
    auto tx = sqlite_tx::begin(db_);
    if (!tx) return error_of(tx);
    auto existing = read_live(db_, fname);
    if (!existing) return error_of(existing);
    if (!*existing) return {}; // nothing live to forget
    auto totals = read_totals(db_);
    if (!totals) return error_of(totals);

    // No deletion record and no usn: other clients keep their copy rather
    // than learn of a deletion nobody asked for.
    auto del = sqlite_stmt::prepare(db_, "DELETE FROM media WHERE fname = ?");
    if (!del) return error_of(del);
    if (auto r = del->bind(1, fname); !r) return r;
    if (auto r = del->run(); !r) return r;
    totals->total_bytes = saturating_sub(totals->total_bytes, (*existing)->size);
    totals->total_nonempty_files = saturating_sub(totals->total_nonempty_files, 1);
    if (auto r = write_totals(db_, *totals); !r) return r;
    return tx->commit();
  });
}

result<std::vector<media_live_file>> media_db::live_files() {
  return guarded([&]() -> result<std::vector<media_live_file>> {
    auto stmt = sqlite_stmt::prepare(
        db_, "SELECT fname, csum, size FROM media WHERE size > 0 ORDER BY fname");
    if (!stmt) return error_of(stmt);
    std::vector<media_live_file> files;
    while (true) {
      auto more = stmt->step();
      if (!more) return error_of(more);
      if (!*more) return files;
      media_live_file file{stmt->text(0), {}, stmt->int64(2)};
      auto csum = live_csum(*stmt, 1, file.fname);
      if (!csum) return error_of(csum);
      file.sha1_raw = std::move(*csum);
      files.push_back(std::move(file));
    }
  });
}

result<bool> media_db::in_content_store() {
  return guarded([&]() -> result<bool> {
    auto stmt = sqlite_stmt::prepare(
        db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, layout_table); !r) return error_of(r);
    return stmt->step();
  });
}

result<void> media_db::set_in_content_store(bool yes) {
  return guarded([&]() -> result<void> {
    auto tx = sqlite_tx::begin(db_);
    if (!tx) return error_of(tx);
    if (auto r = sqlite_exec(db_, yes ? mark_layout_sql : unmark_layout_sql); !r) return r;
    return tx->commit();
  });
}

result<media_db::cleanup> media_db::remove_unreferenced(const media_store& store) {
  return guarded([&]() -> result<cleanup> {
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    std::filesystem::directory_iterator it(store.folder(), ec), end;
    if (ec == std::errc::no_such_file_or_directory) return cleanup{};
    for (; !ec && it != end; it.increment(ec)) found.push_back(it->path());
    if (ec)
      return fail(storage_errc::io, "list " + store.folder().string() + ": " + ec.message());

    cleanup out;
    for (const auto& path : found) {
      // Only a regular file under a name the store writes can be a content
      // this server stored; anything else was put there by someone else.
      const auto sha1 = sha1_raw_from_hex(path.filename().string());
      if (sha1.empty() || !std::filesystem::is_regular_file(std::filesystem::symlink_status(path, ec))) {
        ++out.left_alone;
        continue;
      }
      auto used = is_referenced(db_, sha1);
      if (!used) return error_of(used);
      if (*used) continue;
      std::filesystem::remove(path, ec);
      if (ec) return fail(storage_errc::io, "remove " + path.string() + ": " + ec.message());
      ++out.removed;
    }
    return out;
  });
}

} // namespace ankisync::storage
