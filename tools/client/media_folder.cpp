#include "tools/client/media_folder.hpp"

#include <nettle/sha1.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <system_error>
#include <utility>

#include "storage/sqlite_stmt.hpp"
#include "storage/sqlite_tx.hpp"

namespace ankisync::client {
namespace fs = std::filesystem;
using storage::fail;
using storage::result;
using storage::storage_errc;

namespace {

constexpr std::uint64_t max_file_bytes = 104'857'600; // upstream MAX_INDIVIDUAL_MEDIA_FILE_SIZE

// Upstream's client schema (rslib/src/sync/media/database/client/schema.sql).
constexpr std::string_view schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS media (
  fname text NOT NULL PRIMARY KEY,
  csum text,
  mtime int NOT NULL,
  dirty int NOT NULL
) without rowid;
CREATE INDEX IF NOT EXISTS idx_media_dirty ON media (dirty) WHERE dirty = 1;
CREATE TABLE IF NOT EXISTS meta (dirMod int, lastUsn int);
INSERT INTO meta SELECT 0, 0 WHERE NOT EXISTS (SELECT 1 FROM meta);
)sql";

result<std::int64_t> mtime_ns_of(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  if (ec)
    return fail(storage_errc::io, "mtime of " + p.string() + ": " + ec.message());
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

result<void> write_whole(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out)
    return fail(storage_errc::io, "write " + p.string());
  return {};
}

result<std::string> read_whole(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    return fail(storage_errc::not_found, "no file " + p.string());
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad())
    return fail(storage_errc::io, "read " + p.string());
  return out;
}

media_entry entry_from(const storage::sqlite_stmt& st) {
  media_entry e;
  e.fname = st.text(0);
  e.sha1_hex = st.optional_text(1).value_or("");
  e.mtime_ns = st.int64(2);
  e.dirty = st.int64(3) != 0;
  return e;
}

// A name the folder may hold and sync: what upstream's change tracker
// accepts.
bool syncable_name(std::string_view name) {
  return !name.empty() && normalize_media_name(name) == name && !is_nonsyncable_media_name(name);
}

// One statement per row: sqlite_stmt has no reset, so none is reused.
result<void> mark_clean(sqlite3* db, const std::string& fname) {
  auto st = storage::sqlite_stmt::prepare(db, "UPDATE media SET dirty = 0 WHERE fname = ?");
  if (!st)
    return std::unexpected(st.error());
  if (auto r = st->bind(1, fname); !r)
    return r;
  return st->run();
}

} // namespace

std::string sha1_hex_of(std::string_view bytes) {
  sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_update(&ctx, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  std::uint8_t digest[SHA1_DIGEST_SIZE];
  sha1_digest(&ctx, sizeof digest, digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA1_DIGEST_SIZE);
  for (unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 0x0f];
  }
  return out;
}

media_folder::media_folder(fs::path device_folder, sqlite3* db)
    : device_folder_(std::move(device_folder)), folder_(device_folder_ / "collection.media"),
      db_(db) {}

media_folder::~media_folder() {
  if (db_)
    sqlite3_close(db_);
}

media_folder::media_folder(media_folder&& o) noexcept
    : device_folder_(std::move(o.device_folder_)), folder_(std::move(o.folder_)),
      db_(std::exchange(o.db_, nullptr)) {}

media_folder& media_folder::operator=(media_folder&& o) noexcept {
  if (this != &o) {
    if (db_)
      sqlite3_close(db_);
    device_folder_ = std::move(o.device_folder_);
    folder_ = std::move(o.folder_);
    db_ = std::exchange(o.db_, nullptr);
  }
  return *this;
}

result<media_folder> media_folder::open(const fs::path& device_folder) {
  std::error_code ec;
  fs::create_directories(device_folder / "collection.media", ec);
  if (ec)
    return fail(storage_errc::io, "create media folder in " + device_folder.string() + ": " +
                                      ec.message());
  const auto db_path = device_folder / "collection.media.db";
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                           nullptr);
  if (rc != SQLITE_OK) {
    auto err = storage::sqlite_error(db, rc, "open " + db_path.string());
    sqlite3_close(db);
    return std::unexpected(err);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  media_folder out(device_folder, db);
  if (auto r = storage::sqlite_exec(db, schema_sql); !r)
    return std::unexpected(r.error());
  return out;
}

result<void> media_folder::set_entry(const media_entry& e) {
  auto st = storage::sqlite_stmt::prepare(
      db_, "INSERT OR REPLACE INTO media (fname, csum, mtime, dirty) VALUES (?, ?, ?, ?)");
  if (!st)
    return std::unexpected(st.error());
  auto r = st->bind(1, e.fname);
  if (r)
    r = e.sha1_hex.empty() ? st->bind_null(2) : st->bind(2, e.sha1_hex);
  if (r)
    r = st->bind(3, e.mtime_ns);
  if (r)
    r = st->bind(4, std::int64_t{e.dirty ? 1 : 0});
  if (r)
    r = st->run();
  return r;
}

result<void> media_folder::add_file(std::string_view name, std::string_view bytes) {
  if (!syncable_name(name))
    return fail(storage_errc::invalid, "media name is not normalised or not syncable: '" +
                                           std::string(name) + "'");
  if (bytes.empty() || bytes.size() > max_file_bytes)
    return fail(storage_errc::invalid, "media file '" + std::string(name) +
                                           "' must hold 1 byte to 100 MiB");
  const auto path = folder_ / fs::path(std::string(name));
  if (auto r = write_whole(path, bytes); !r)
    return r;
  auto mtime = mtime_ns_of(path);
  if (!mtime)
    return std::unexpected(mtime.error());
  return set_entry({std::string(name), sha1_hex_of(bytes), *mtime, true});
}

result<void> media_folder::remove_file(std::string_view name) {
  const auto path = folder_ / fs::path(std::string(name));
  std::error_code ec;
  if (!fs::remove(path, ec))
    return fail(ec ? storage_errc::io : storage_errc::not_found,
                "remove media file '" + std::string(name) + "'" +
                    (ec ? ": " + ec.message() : std::string()));
  auto known = entry(name);
  if (!known)
    return std::unexpected(known.error());
  if (!*known)
    return {};
  return set_entry({std::string(name), "", 0, true});
}

result<std::string> media_folder::read_file(std::string_view name) const {
  return read_whole(folder_ / fs::path(std::string(name)));
}

result<void> media_folder::rescan() {
  auto tx = storage::sqlite_tx::begin(db_);
  if (!tx)
    return std::unexpected(tx.error());
  // What the DB believes is on disk.
  std::map<std::string, media_entry> known;
  {
    auto st = storage::sqlite_stmt::prepare(
        db_, "SELECT fname, csum, mtime, dirty FROM media WHERE csum IS NOT NULL");
    if (!st)
      return std::unexpected(st.error());
    for (;;) {
      auto row = st->step();
      if (!row)
        return std::unexpected(row.error());
      if (!*row)
        break;
      auto e = entry_from(*st);
      known.emplace(e.fname, std::move(e));
    }
  }
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(folder_, ec)) {
    if (!d.is_regular_file())
      continue;
    const std::string name = d.path().filename().string();
    if (!syncable_name(name))
      continue;
    const auto size = d.file_size(ec);
    if (ec || size == 0 || size > max_file_bytes)
      continue;
    auto mtime = mtime_ns_of(d.path());
    if (!mtime)
      return std::unexpected(mtime.error());
    auto it = known.find(name);
    std::optional<media_entry> before;
    if (it != known.end()) {
      before = std::move(it->second);
      known.erase(it);
      if (before->mtime_ns == *mtime)
        continue;
    }
    auto bytes = read_whole(d.path());
    if (!bytes)
      return std::unexpected(bytes.error());
    media_entry now{name, sha1_hex_of(*bytes), *mtime, true};
    // Touched but unchanged: keep whatever the dirty flag was.
    if (before && before->sha1_hex == now.sha1_hex)
      now.dirty = before->dirty;
    if (auto r = set_entry(now); !r)
      return r;
  }
  if (ec)
    return fail(storage_errc::io, "list " + folder_.string() + ": " + ec.message());
  for (const auto& [name, e] : known)
    if (auto r = set_entry({name, "", 0, true}); !r)
      return r;
  return tx->commit();
}

result<std::vector<media_live_entry>> media_folder::live_files() {
  auto st = storage::sqlite_stmt::prepare(
      db_, "SELECT fname, csum FROM media WHERE csum IS NOT NULL ORDER BY fname");
  if (!st)
    return std::unexpected(st.error());
  std::vector<media_live_entry> out;
  for (;;) {
    auto row = st->step();
    if (!row)
      return std::unexpected(row.error());
    if (!*row)
      return out;
    out.push_back({st->text(0), st->text(1)});
  }
}

result<std::int64_t> media_folder::last_usn() {
  auto st = storage::sqlite_stmt::prepare(db_, "SELECT lastUsn FROM meta");
  if (!st)
    return std::unexpected(st.error());
  auto row = st->step();
  if (!row)
    return std::unexpected(row.error());
  if (!*row)
    return fail(storage_errc::corrupt, "media DB has no meta row");
  return st->int64(0);
}

result<std::uint32_t> media_folder::live_count() {
  auto st = storage::sqlite_stmt::prepare(db_, "SELECT count(*) FROM media WHERE csum IS NOT NULL");
  if (!st)
    return std::unexpected(st.error());
  auto row = st->step();
  if (!row)
    return std::unexpected(row.error());
  return static_cast<std::uint32_t>(st->int64(0));
}

result<std::optional<media_entry>> media_folder::entry(std::string_view fname) {
  auto st = storage::sqlite_stmt::prepare(
      db_, "SELECT fname, csum, mtime, dirty FROM media WHERE fname = ?");
  if (!st)
    return std::unexpected(st.error());
  if (auto r = st->bind(1, fname); !r)
    return std::unexpected(r.error());
  auto row = st->step();
  if (!row)
    return std::unexpected(row.error());
  if (!*row)
    return std::optional<media_entry>{};
  return std::optional<media_entry>{entry_from(*st)};
}

result<std::vector<media_entry>> media_folder::pending(std::size_t limit) {
  auto st = storage::sqlite_stmt::prepare(
      db_, "SELECT fname, csum, mtime, dirty FROM media WHERE dirty = 1 ORDER BY fname LIMIT ?");
  if (!st)
    return std::unexpected(st.error());
  if (auto r = st->bind(1, static_cast<std::int64_t>(limit)); !r)
    return std::unexpected(r.error());
  std::vector<media_entry> out;
  for (;;) {
    auto row = st->step();
    if (!row)
      return std::unexpected(row.error());
    if (!*row)
      return out;
    out.push_back(entry_from(*st));
  }
}

result<void> media_folder::forget(std::string_view fname) {
  auto st = storage::sqlite_stmt::prepare(db_, "DELETE FROM media WHERE fname = ?");
  if (!st)
    return std::unexpected(st.error());
  if (auto r = st->bind(1, fname); !r)
    return r;
  return st->run();
}

result<void> media_folder::delete_files(const std::vector<std::string>& fnames) {
  for (const auto& name : fnames) {
    std::error_code ec;
    fs::remove(folder_ / fs::path(name), ec);
    if (ec)
      return fail(storage_errc::io, "remove media file '" + name + "': " + ec.message());
  }
  return {};
}

result<media_added> media_folder::write_downloaded(std::string_view fname,
                                                   std::string_view bytes) {
  // Beside the media folder, not in it: a rescan must never see half a file.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto temp = device_folder_ / (".media-download-" + std::to_string(rng()));
  if (auto r = write_whole(temp, bytes); !r)
    return std::unexpected(r.error());
  const auto path = folder_ / fs::path(std::string(fname));
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return fail(storage_errc::io, "rename into " + path.string());
  }
  auto mtime = mtime_ns_of(path);
  if (!mtime)
    return std::unexpected(mtime.error());
  return media_added{std::string(fname), sha1_hex_of(bytes), *mtime};
}

result<void> media_folder::commit_pull(const std::vector<std::string>& remove_pending,
                                       const std::vector<std::string>& deleted,
                                       const std::vector<media_added>& added,
                                       std::int64_t last_usn) {
  auto tx = storage::sqlite_tx::begin(db_);
  if (!tx)
    return std::unexpected(tx.error());
  for (const auto& name : remove_pending)
    if (auto r = mark_clean(db_, name); !r)
      return r;
  for (const auto& name : deleted)
    if (auto r = forget(name); !r)
      return r;
  for (const auto& f : added)
    if (auto r = set_entry({f.fname, f.sha1_hex, f.mtime_ns, false}); !r)
      return r;
  auto st = storage::sqlite_stmt::prepare(db_, "UPDATE meta SET lastUsn = ?");
  if (!st)
    return std::unexpected(st.error());
  if (auto r = st->bind(1, last_usn); !r)
    return r;
  if (auto r = st->run(); !r)
    return r;
  return tx->commit();
}

result<void> media_folder::record_renamed(std::string_view server_name, const media_added& file) {
  if (auto r = set_entry({std::string(server_name), "", 0, true}); !r)
    return r;
  return set_entry({file.fname, file.sha1_hex, file.mtime_ns, true});
}

result<void> media_folder::commit_upload(const std::vector<std::string>& clean,
                                         std::optional<std::int64_t> new_usn) {
  auto tx = storage::sqlite_tx::begin(db_);
  if (!tx)
    return std::unexpected(tx.error());
  for (const auto& name : clean)
    if (auto r = mark_clean(db_, name); !r)
      return r;
  if (new_usn) {
    auto st = storage::sqlite_stmt::prepare(db_, "UPDATE meta SET lastUsn = ?");
    if (!st)
      return std::unexpected(st.error());
    if (auto r = st->bind(1, *new_usn); !r)
      return r;
    if (auto r = st->run(); !r)
      return r;
  }
  return tx->commit();
}

result<void> media_folder::force_resync() {
  return storage::sqlite_exec(db_, "DELETE FROM media; UPDATE meta SET lastUsn = 0, dirMod = 0");
}

} // namespace ankisync::client
