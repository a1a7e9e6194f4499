#include "storage/backup.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include <boost/json.hpp>

#include "storage/file_ops.hpp"

namespace ankisync::storage {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

bool is_regular(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(fs::symlink_status(p, ec));
}

result<manifest_file> describe(const fs::path& backup, const std::string& relative) {
  const auto file = backup / relative;
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return fail(storage_errc::io, "size of " + file.string() + ": " + ec.message());
  auto sha = sha256_hex_of_file(file);
  if (!sha) return std::unexpected(sha.error());
  return manifest_file{relative, size, std::move(*sha)};
}

// Files of one media folder, linked (or copied) into the backup. The
// content store's names are SHA-1s; the official layout's are the clients'
// names, which were valid there and stay valid here.
result<void> link_folder(const fs::path& from, const fs::path& backup, const std::string& prefix,
                         std::vector<manifest_file>& out) {
  std::error_code ec;
  if (!fs::is_directory(from, ec)) return {};
  fs::create_directories(backup / prefix, ec);
  if (ec) return fail(storage_errc::io, "create " + (backup / prefix).string() + ": " + ec.message());
  for (fs::directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
    if (!is_regular(it->path())) continue;
    const auto name = it->path().filename().string();
    if (name.starts_with(".")) continue; // temp files of a transfer
    const auto relative = prefix + "/" + name;
    if (auto r = link_or_copy(it->path(), backup / relative); !r) return r;
    auto d = describe(backup, relative);
    if (!d) return std::unexpected(d.error());
    out.push_back(std::move(*d));
  }
  if (ec) return fail(storage_errc::io, "list " + from.string() + ": " + ec.message());
  return fsync_path(backup / prefix, true);
}

std::string utc_stamp(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

// YYYYMMDD-HHMMSS, maybe followed by -N: a folder make_backup_folder made.
bool is_backup_name(const std::string& name) {
  if (name.size() < 15 || name[8] != '-')
    return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (i == 8 || (i == 15 && name[i] == '-'))
      continue;
    if (!std::isdigit(static_cast<unsigned char>(name[i])))
      return false;
  }
  return true;
}

// One SQL statement on `db`, its error as a sentence.
result<void> exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK)
    return {};
  std::string text = message ? message : sqlite3_errmsg(db);
  sqlite3_free(message);
  return fail(storage_errc::sqlite, text);
}

// The database at `source` as of its last commit, copied to `dest` with
// its SHA-256. The fast way: after a checkpoint has emptied the log, a
// read transaction pins that state (a later commit goes to the log, and
// no checkpoint may write past a reader), so the main file is copied as
// bytes, hashed on the way. When the log cannot be emptied (another
// reader holds it), SQLite's backup API copies it instead.
result<manifest_file> snapshot_database(const fs::path& source, const fs::path& backup,
                                        const std::string& relative) {
  const auto dest = backup / relative;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(source.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> guard(db, &sqlite3_close);
    sqlite3_busy_timeout(db, 5000);
    (void)exec(db, "pragma wal_checkpoint(truncate)");
    if (exec(db, "begin; select count(*) from sqlite_master")) {
      std::error_code ec;
      const fs::path wal = source.string() + "-wal";
      const bool log_empty = !fs::exists(wal, ec) || fs::file_size(wal, ec) == 0;
      if (log_empty && !ec) {
        auto copied = copy_with_sha256(source, dest);
        (void)exec(db, "commit");
        if (!copied) return std::unexpected(copied.error());
        return manifest_file{relative, copied->size, std::move(copied->sha256)};
      }
      (void)exec(db, "commit");
    }
  } else {
    sqlite3_close(db);
  }
  if (auto r = copy_database(source, dest); !r) return std::unexpected(r.error());
  return describe(backup, relative);
}

} // namespace

result<void> copy_database(const fs::path& source, const fs::path& dest) {
  sqlite3* src = nullptr;
  if (sqlite3_open_v2(source.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string message = src ? sqlite3_errmsg(src) : "out of memory";
    sqlite3_close(src);
    return fail(storage_errc::sqlite, "open " + source.string() + ": " + message);
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> src_guard(src, &sqlite3_close);
  sqlite3_busy_timeout(src, 5000);
  sqlite3* dst = nullptr;
  if (sqlite3_open_v2(dest.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE,
                      nullptr) != SQLITE_OK) {
    std::string message = dst ? sqlite3_errmsg(dst) : "out of memory";
    sqlite3_close(dst);
    return fail(storage_errc::sqlite, "create " + dest.string() + ": " + message);
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> dst_guard(dst, &sqlite3_close);
  // A new file nobody else reads: no journal while it is filled; it is
  // flushed once at the end.
  sqlite3_exec(dst, "pragma journal_mode = off; pragma synchronous = off", nullptr, nullptr, nullptr);
  auto* b = sqlite3_backup_init(dst, "main", src, "main");
  if (b == nullptr) return fail(storage_errc::sqlite, "backup of " + source.string() + ": " + sqlite3_errmsg(dst));
  // All pages in one step: one read transaction on the source, so the
  // copy is one commit's state.
  const int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE)
    return fail(sqlite3_errcode(dst) == SQLITE_FULL ? storage_errc::io : storage_errc::sqlite,
                "backup of " + source.string() + ": " + sqlite3_errstr(rc));
  dst_guard.reset();
  return fsync_path(dest, false);
}

result<std::vector<manifest_file>> backup_user(const fs::path& user_folder, const fs::path& backup,
                                               const std::string& user) {
  std::vector<manifest_file> out;
  std::error_code ec;
  if (!fs::is_directory(user_folder, ec)) return out;
  fs::create_directories(backup / user, ec);
  if (ec) return fail(storage_errc::io, "create " + (backup / user).string() + ": " + ec.message());
  for (const char* db : {"collection.anki2", "media.db"}) {
    if (!is_regular(user_folder / db)) continue;
    auto copied = snapshot_database(user_folder / db, backup, user + "/" + db);
    if (!copied) return std::unexpected(copied.error());
    out.push_back(std::move(*copied));
  }
  for (const char* media : {"media-store", "media"})
    if (auto r = link_folder(user_folder / media, backup, user + "/" + media, out); !r)
      return std::unexpected(r.error());
  if (auto r = fsync_path(backup / user, true); !r) return std::unexpected(r.error());
  return out;
}

result<manifest_file> backup_users_db(const fs::path& users_db, const fs::path& backup) {
  return snapshot_database(users_db, backup, "users.db");
}

result<void> write_manifest(const fs::path& backup, const backup_manifest& m) {
  json::object root;
  root["format"] = 1;
  root["created"] = m.created_s;
  json::array users;
  for (const auto& u : m.users) users.emplace_back(u);
  root["users"] = std::move(users);
  json::array files;
  for (const auto& f : m.files)
    files.emplace_back(json::object{{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  root["files"] = std::move(files);
  const auto temp = backup / (std::string(backup_manifest_name) + ".partial");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << json::serialize(root) << "\n";
    out.flush();
    if (!out) return fail(storage_errc::io, "write " + temp.string());
  }
  if (auto r = fsync_path(temp, false); !r) return r;
  std::error_code ec;
  fs::rename(temp, backup / backup_manifest_name, ec);
  if (ec) return fail(storage_errc::io, "rename " + temp.string() + ": " + ec.message());
  return fsync_path(backup, true);
}

result<backup_manifest> read_manifest(const fs::path& backup) {
  const auto file = backup / backup_manifest_name;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(storage_errc::not_found,
                backup.string() + " has no " + backup_manifest_name + ": not a complete backup");
  std::stringstream text;
  text << in.rdbuf();
  try {
    const auto root = json::parse(text.str()).as_object();
    backup_manifest m;
    m.created_s = root.at("created").to_number<std::int64_t>();
    for (const auto& u : root.at("users").as_array()) {
      std::string name(u.as_string());
      // A user is one folder of the data folder, nothing above or beside it.
      if (name.empty() || name.starts_with(".") || name.find('/') != std::string::npos)
        return fail(storage_errc::corrupt, file.string() + " names a user that cannot be a folder: " + name);
      m.users.push_back(std::move(name));
    }
    for (const auto& f : root.at("files").as_array()) {
      const auto& o = f.as_object();
      manifest_file mf{std::string(o.at("path").as_string()), o.at("size").to_number<std::uint64_t>(),
                       std::string(o.at("sha256").as_string())};
      // Paths stay inside the backup folder.
      if (mf.path.empty() || mf.path.starts_with("/") || mf.path.find("..") != std::string::npos)
        return fail(storage_errc::corrupt, file.string() + " names a file outside the backup: " + mf.path);
      m.files.push_back(std::move(mf));
    }
    return m;
  } catch (const std::exception& e) {
    return fail(storage_errc::corrupt, file.string() + " is not a backup manifest: " + e.what());
  }
}

result<void> verify_backup(const fs::path& backup, const backup_manifest& m, const std::string& user) {
  const auto prefix = user + "/";
  for (const auto& f : m.files) {
    if (!user.empty() && !f.path.starts_with(prefix)) continue;
    auto d = describe(backup, f.path);
    if (!d) return fail(storage_errc::corrupt, f.path + ": " + d.error().message);
    if (d->size != f.size || d->sha256 != f.sha256)
      return fail(storage_errc::corrupt,
                  f.path + " does not match the manifest (size or SHA-256 differs): the backup "
                           "was changed or damaged");
  }
  return {};
}

result<fs::path> make_backup_folder(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(storage_errc::io, "create " + dir.string() + ": " + ec.message());
  const auto stamp = utc_stamp(std::time(nullptr));
  for (int n = 0; n < 100; ++n) {
    const auto candidate = dir / (n == 0 ? stamp : stamp + "-" + std::to_string(n + 1));
    if (fs::create_directory(candidate, ec)) return candidate;
    if (ec) return fail(storage_errc::io, "create " + candidate.string() + ": " + ec.message());
  }
  return fail(storage_errc::exists, "too many backups named " + stamp + " in " + dir.string());
}

std::vector<fs::path> complete_backups(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && is_regular(it->path() / backup_manifest_name))
      out.push_back(it->path());
  std::sort(out.begin(), out.end(), std::greater<>());
  return out;
}

std::vector<fs::path> prune_backups(const fs::path& dir, unsigned keep) {
  std::vector<fs::path> removed;
  const auto complete = complete_backups(dir);
  if (complete.empty())
    return removed;
  std::vector<fs::path> doomed;
  const auto kept = std::max(keep, 1u);
  for (std::size_t i = kept; i < complete.size(); ++i)
    doomed.push_back(complete[i]);
  std::error_code ec;
  const auto newest = complete.front().filename().string();
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (it->is_directory(ec) && !is_regular(it->path() / backup_manifest_name) &&
        name < newest)
      doomed.push_back(it->path());
  }
  for (const auto& p : doomed) {
    if (!is_backup_name(p.filename().string()))
      continue;
    std::error_code ignored;
    if (fs::remove_all(p, ignored) > 0 && !ignored)
      removed.push_back(p);
  }
  return removed;
}

std::uint64_t total_bytes(const std::vector<manifest_file>& files) {
  std::uint64_t n = 0;
  for (const auto& f : files) n += f.size;
  return n;
}

} // namespace ankisync::storage
