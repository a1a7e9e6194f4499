#include "tools/ankisync/ankicommunity_import.hpp"

#include <fcntl.h>
#include <stdio.h> // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <optional>
#include <set>
#include <system_error>

#include "storage/ankicommunity_password.hpp"
#include "storage/file_ops.hpp"
#include "storage/full_sync.hpp"
#include "storage/media_db.hpp"
#include "storage/media_store.hpp"
#include "storage/username.hpp"

namespace ankisync::app::import {

namespace fs = std::filesystem;

namespace {

// ankisyncd's names inside a user's folder (persisted by it).
constexpr const char* source_collection = "collection.anki2";
constexpr const char* source_media_folder = "collection.media";
constexpr const char* source_media_db = "collection.media.server.db";

// The names ankisync gives them (docs/media.md); media in the official
// server's layout, files by name, which the server adopts at its first
// media open.
constexpr const char* dest_collection = "collection.anki2";
constexpr const char* dest_media_db = "media.db";
constexpr const char* dest_media_folder = "media";

// Thrown nowhere: a failed step carries its reason up as a string.
using step = std::expected<void, std::string>;

std::string errno_text(int err) { return std::strerror(err); }

// Copies an SQLite file with the journal or -wal beside it (the -shm is
// rebuilt by SQLite), then applies those to the copy. The source is only
// read.
step copy_sqlite_file(const fs::path& source, const fs::path& dest) {
  std::error_code ec;
  fs::copy_file(source, dest, fs::copy_options::none, ec);
  if (ec) return std::unexpected("copy " + source.string() + ": " + ec.message());
  for (const char* suffix : {"-wal", "-journal"}) {
    const fs::path side = source.string() + suffix;
    if (!fs::exists(side, ec)) continue;
    fs::copy_file(side, dest.string() + suffix, fs::copy_options::none, ec);
    if (ec) return std::unexpected("copy " + side.string() + ": " + ec.message());
  }
  if (auto r = storage::settle_sqlite_copy(dest); !r) {
    // Name the file the user knows, not our copy of it.
    auto message = r.error().message;
    if (auto at = message.find(dest.string()); at != std::string::npos)
      message.replace(at, dest.string().size(), source.string());
    return std::unexpected(message);
  }
  return {};
}

// A user's folder counts as holding data unless it is absent or empty.
bool has_data(const fs::path& folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) return false;
  return !fs::is_directory(folder, ec) || !fs::is_empty(folder, ec);
}

// Why a media name cannot become a file name in the new folder ("" if it
// can). ankisyncd stored names as clients sent them.
std::string unsafe_media_name(std::string_view name) {
  if (name.empty()) return "an empty name";
  if (name == "." || name == "..") return "not a file name";
  if (name.size() > 255) return "a name longer than 255 bytes";
  for (char c : name)
    if (c == '/' || c == '\\' || c == '\0') return "a name with '/', '\\' or NUL";
  return {};
}

std::int64_t mtime_secs(const fs::path& file) {
  struct stat st {};
  return ::stat(file.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_mtime) : 0;
}

std::int64_t now_secs() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// The staged folder becomes <data>/<name>, never replacing anything: an
// empty folder left there is removed first (rmdir fails on a non-empty
// one, so a server that just wrote into it wins), then the rename refuses
// an existing target.
step move_into_place(const fs::path& staged, const fs::path& dest) {
  if (::rmdir(dest.c_str()) != 0 && errno != ENOENT)
    return std::unexpected(dest.string() + " exists and is not empty (" + errno_text(errno) +
                           "); nothing was changed");
  if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) != 0) {
    const int err = errno;
    // Some file systems lack RENAME_NOREPLACE; there a check must do.
    if (err != EINVAL || fs::exists(dest) || ::rename(staged.c_str(), dest.c_str()) != 0)
      return std::unexpected("move the new folder to " + dest.string() + ": " + errno_text(err));
  }
  if (auto r = storage::fsync_path(dest.parent_path(), true); !r)
    return std::unexpected(r.error().message);
  return {};
}

step import_collection(const fs::path& source_folder, const fs::path& staged,
                       user_report& report) {
  const auto source = source_folder / source_collection;
  std::error_code ec;
  if (!fs::exists(source, ec)) {
    report.notes.push_back("no collection: the first sync starts from an empty one");
    return {};
  }
  const auto copy = staged / dest_collection;
  if (auto r = copy_sqlite_file(source, copy); !r) return std::unexpected("collection: " + r.error());
  auto summary = storage::read_collection_summary(copy);
  if (!summary) return std::unexpected("collection: " + summary.error().message);
  report.collection = *summary;
  report.has_collection = true;
  // What a legacy client's full upload goes through: integrity check, the
  // schema-18 upgrade in server mode, and the checks of a stored file.
  if (auto r = storage::validate_uploaded_collection(copy); !r)
    return std::unexpected("collection: " + r.error().message);
  return {};
}

// Every file of collection.media that the media database does not name:
// ankisyncd never offered those to a device, so neither do we.
void report_unlisted_files(const fs::path& media_folder, const std::set<std::string>& listed,
                           user_report& report) {
  std::error_code ec;
  fs::directory_iterator it(media_folder, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (!listed.contains(name))
      report.skipped.push_back({name, "not in " + std::string(source_media_db)});
  }
}

step import_media(const fs::path& source_folder, const fs::path& work, const fs::path& staged,
                  const run_options& options, user_report& report) {
  const auto source_db = source_folder / source_media_db;
  const auto media_folder = source_folder / source_media_folder;
  std::error_code ec;
  if (!fs::exists(source_db, ec)) {
    if (fs::is_directory(media_folder, ec))
      report_unlisted_files(media_folder, {}, report);
    return {};
  }
  const auto db_copy = work / (report.name + ".media.server.db");
  if (auto r = copy_sqlite_file(source_db, db_copy); !r)
    return std::unexpected("media database: " + r.error());
  auto index = storage::read_ankicommunity_media(db_copy);
  if (!index) return std::unexpected("media database: " + index.error().message);

  const auto dest_folder = staged / dest_media_folder;
  if (!options.dry_run) {
    fs::create_directory(dest_folder, ec);
    if (ec) return std::unexpected("create " + dest_folder.string() + ": " + ec.message());
  }

  std::vector<storage::media_import_row> rows;
  std::set<std::string> listed;
  const auto import_time = now_secs();
  std::size_t done = 0;
  for (const auto& row : index->rows) {
    ++done;
    if (options.progress)
      options.progress(report.name + ": media " + std::to_string(done) + "/" +
                       std::to_string(index->rows.size()));
    listed.insert(row.fname);
    if (auto problem = unsafe_media_name(row.fname); !problem.empty()) {
      report.skipped.push_back({row.fname, problem});
      continue;
    }
    if (!row.sha1_hex) {
      // A deletion: devices that still have the file learn of it.
      rows.push_back({row.fname, {}, 0, row.usn, import_time});
      ++report.media_deletions;
      continue;
    }
    const auto source = media_folder / row.fname;
    const auto dest = dest_folder / row.fname;
    auto copied = storage::copy_verified(source, options.dry_run ? nullptr : &dest,
                                         storage::sha1_raw_from_hex(*row.sha1_hex));
    if (!copied) {
      // The row goes too: serving a name without its content would fail
      // every device that asks for it.
      report.skipped.push_back({row.fname, copied.error().message});
      continue;
    }
    rows.push_back({row.fname, copied->sha1_raw, copied->size, row.usn, mtime_secs(source)});
    ++report.media_files;
    report.media_bytes += copied->size;
  }
  if (fs::is_directory(media_folder, ec)) report_unlisted_files(media_folder, listed, report);
  report.media_last_usn = index->last_usn;
  if (options.dry_run) return {};

  if (auto r = storage::fsync_path(dest_folder, true); !r) return std::unexpected(r.error().message);
  auto db = storage::media_db::open(staged / dest_media_db);
  if (!db) return std::unexpected("media.db: " + db.error().message);
  auto totals = db->import_rows(rows, index->last_usn);
  if (!totals) return std::unexpected("media.db: " + totals.error().message);
  report.media_last_usn = totals->last_usn;
  return {};
}

std::string account_note(storage::import_account_outcome outcome) {
  using enum storage::import_account_outcome;
  switch (outcome) {
  case created: return "password kept: accepted once, then replaced by a PBKDF2 hash";
  case kept_existing: return "already an ankisync user without data: its ankisync password is kept";
  case kept_env_user:
    return "set by SYNC_USERn: its password and its one host key come from there; "
           "device keys not imported";
  }
  return {};
}

step import_steps(const storage::ankicommunity_account& account,
                  const std::vector<std::string>& host_keys, const source_layout& source,
                  const run_options& options, storage::users_db* users, user_report& report) {
  if (auto problem = storage::username_problem(account.name); !problem.empty())
    return std::unexpected("not a valid ankisync username: " + problem);
  const auto stored_hash = storage::ankicommunity_stored_hash(account.hash);
  if (stored_hash.empty())
    return std::unexpected("its auth.db hash is not sha256 hex followed by a 16-character salt");

  std::optional<storage::user_row> existing;
  if (users != nullptr) {
    auto found = users->find_user(account.name);
    if (!found) return std::unexpected("users.db: " + found.error().message);
    existing = std::move(*found);
  }
  const auto dest = options.data_dir / account.name;
  if (has_data(dest))
    return std::unexpected(std::string(existing ? "already an ankisync user with data in "
                                                : "the folder ") +
                           dest.string() + (existing ? "" : " exists and is not empty") +
                           "; nothing was changed");

  const auto staged = options.work / account.name;
  std::error_code ec;
  fs::create_directory(staged, ec);
  if (ec) return std::unexpected("create " + staged.string() + ": " + ec.message());
  const auto source_folder = source.root / account.name;
  if (auto r = import_collection(source_folder, staged, report); !r) return r;
  if (auto r = import_media(source_folder, options.work, staged, options, report); !r) return r;
  report.host_keys = host_keys.size();
  if (options.dry_run) {
    if (existing) report.notes.push_back("already an ankisync user without data: password kept");
    return {};
  }

  if (auto r = storage::fsync_path(staged, true); !r) return std::unexpected(r.error().message);
  if (auto r = move_into_place(staged, dest); !r) return r;
  auto outcome = users->import_account({account.name, stored_hash, host_keys});
  if (!outcome) {
    // Back out of the move, so that a second run finds the folder free.
    ::rename(dest.c_str(), staged.c_str());
    return std::unexpected("users.db: " + outcome.error().message);
  }
  if (*outcome == storage::import_account_outcome::kept_env_user) report.host_keys = 0;
  report.notes.push_back(account_note(*outcome));
  return {};
}

} // namespace

std::expected<source_accounts, std::string> read_accounts(const source_layout& source,
                                                          const fs::path& work) {
  source_accounts out;
  const auto auth_copy = work / "auth.db";
  if (auto r = copy_sqlite_file(source.auth_db, auth_copy); !r) return std::unexpected(r.error());
  auto accounts = storage::read_ankicommunity_auth(auth_copy);
  if (!accounts) return std::unexpected(accounts.error().message);
  out.accounts = std::move(*accounts);
  std::set<std::string> names;
  for (const auto& a : out.accounts) names.insert(a.name);

  std::error_code ec;
  if (fs::exists(source.session_db, ec)) {
    const auto session_copy = work / "session.db";
    if (auto r = copy_sqlite_file(source.session_db, session_copy); !r)
      return std::unexpected(r.error());
    auto sessions = storage::read_ankicommunity_sessions(session_copy);
    if (!sessions) return std::unexpected(sessions.error().message);
    for (auto& s : *sessions) {
      if (names.contains(s.name)) out.host_keys[s.name].push_back(std::move(s.host_key));
      else ++out.orphan_sessions;
    }
  }

  // A folder holding a collection or media database but no account.
  fs::directory_iterator it(source.root, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory()) continue;
    auto name = it->path().filename().string();
    if (names.contains(name)) continue;
    if (fs::exists(it->path() / source_collection) || fs::exists(it->path() / source_media_db))
      out.folders_without_account.push_back(name);
  }
  if (ec) return std::unexpected("list " + source.root.string() + ": " + ec.message());
  return out;
}

user_report import_user(const storage::ankicommunity_account& account,
                        const std::vector<std::string>& host_keys, const source_layout& source,
                        const run_options& options, storage::users_db* users) {
  user_report report;
  report.name = account.name;
  try {
    if (!options.dry_run && users == nullptr) {
      report.error = "no users database";
      return report;
    }
    auto done = import_steps(account, host_keys, source, options, users, report);
    report.ok = done.has_value();
    if (!done) report.error = done.error();
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  return report;
}

} // namespace ankisync::app::import
