// `ankisync migrate`: moves each user's media between the official
// server's layout (files by name) and ankisync's content store, with the
// server stopped. The server does the first direction by itself at a
// user's first media sync; this command does it for everyone at once, shows
// what would happen (--dry-run), and goes back (--to-official).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "storage/data_lock.hpp"
#include "storage/media_db.hpp"
#include "storage/media_layout.hpp"
#include "tools/ankisync/commands.hpp"
#include "tools/ankisync/data_folder.hpp"

namespace ankisync::app {
namespace {

namespace fs = std::filesystem;

// User folders that have media: every non-hidden folder with a media.db.
std::vector<fs::path> media_users(const fs::path& data_dir, const std::string& only) {
  std::vector<fs::path> out;
  if (!only.empty()) {
    out.push_back(data_dir / only);
    return out;
  }
  std::error_code ec;
  for (fs::directory_iterator it(data_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.starts_with(".") || !it->is_directory(ec))
      continue;
    if (fs::exists(storage::media_folders{it->path()}.db(), ec))
      out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// On a terminal, one line that counts up; in a script, nothing.
storage::media_layout_options progress_options(bool dry_run, const std::string& user) {
  storage::media_layout_options options;
  options.dry_run = dry_run;
  if (::isatty(STDERR_FILENO))
    options.on_event = [user](const storage::media_file_event& e) {
      if (e.done == e.total || e.done % 100 == 0)
        std::fprintf(stderr, "\r%s: %zu/%zu files", user.c_str(), e.done, e.total);
      if (e.step == storage::media_file_step::recorded || e.done == e.total)
        std::fprintf(stderr, "\r\033[K");
    };
  return options;
}

// A dry run must not write even the index media_db::open adds, so it
// works on a copy of the database.
struct db_copy {
  fs::path file;
  ~db_copy() {
    std::error_code ec;
    if (!file.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"})
        fs::remove(file.string() + suffix, ec);
    }
  }
};

int migrate_user(const fs::path& user_folder, const migrate_command& cmd) {
  const auto user = user_folder.filename().string();
  const storage::media_folders folders{user_folder};
  std::error_code ec;
  if (!fs::exists(folders.db(), ec)) {
    std::cout << user << ": no media.db, nothing to move\n";
    return 0;
  }
  db_copy copy;
  fs::path db_file = folders.db();
  if (cmd.dry_run) {
    copy.file = fs::temp_directory_path() / ("ankisync-migrate-" + std::to_string(::getpid()) + ".db");
    fs::copy_file(folders.db(), copy.file, fs::copy_options::overwrite_existing, ec);
    // Rows the official server committed may still be in its WAL.
    const fs::path wal = folders.db().string() + "-wal";
    if (!ec && fs::exists(wal, ec))
      fs::copy_file(wal, copy.file.string() + "-wal", fs::copy_options::overwrite_existing, ec);
    if (ec) {
      std::cerr << "ankisync: " << user << ": cannot copy media.db: " << ec.message() << "\n";
      return 1;
    }
    db_file = copy.file;
  }
  auto db = storage::media_db::open(db_file);
  if (!db) {
    std::cerr << "ankisync: " << user << ": " << db.error().message << "\n";
    return 1;
  }
  const auto options = progress_options(cmd.dry_run, user);
  auto report = cmd.to_official ? storage::move_media_to_official(*db, folders, options)
                                : storage::move_media_into_store(*db, folders, options);
  if (!report) {
    std::cerr << "ankisync: " << user << ": " << report.error().message << "\n";
    return 1;
  }
  const char* where = cmd.to_official ? "by name into media/" : "into media-store/";
  if (report->had_nothing_to_do) {
    std::cout << user << ": already " << (cmd.to_official ? "in the official layout" : "in ankisync's store")
              << "\n";
    return 0;
  }
  std::cout << user << ": " << (cmd.dry_run ? "would move " : "moved ") << report->moved << " of "
            << report->total << " files (" << report->moved_bytes << " bytes) " << where;
  if (report->already_there > 0)
    std::cout << ", " << report->already_there << " already there";
  std::cout << ", " << report->problems.size() << " problems\n";
  for (const auto& problem : report->problems)
    std::cout << "  " << problem << "\n";
  return 0;
}

} // namespace

int run_migrate_command(const migrate_command& cmd) {
  const auto data_dir = resolve_data_dir(cmd.data_dir);
  if (auto refusal = refuse_foreign_folder(data_dir, "migrate --data " + data_dir.string())) {
    std::cerr << "ankisync: " << *refusal << "\n";
    return 2;
  }
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) {
    std::cerr << "ankisync: no data folder at " << data_dir.string() << "\n";
    return 2;
  }
  auto lock = storage::data_lock::acquire(data_dir);
  if (!lock) {
    std::cerr << "ankisync: " << lock.error().message << "; stop the server first\n";
    return 1;
  }
  int status = 0;
  for (const auto& user : media_users(data_dir, cmd.user))
    if (migrate_user(user, cmd) != 0)
      status = 1;
  return status;
}

} // namespace ankisync::app
