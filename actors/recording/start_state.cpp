#include "actors/recording/start_state.hpp"

#include <sqlite3.h>

#include "storage/full_sync.hpp"
#include "storage/media_layout.hpp"
#include "storage/private_files.hpp"

namespace ankisync::actors::recording {
namespace {

namespace fs = std::filesystem;

// The backup API copies pages, so it needs none of the collations or
// functions the file's indexes name, and it reads one consistent commit.
std::expected<void, std::string> backup_sqlite_file(const fs::path& source, const fs::path& dest) {
  sqlite3* from = nullptr;
  sqlite3* to = nullptr;
  auto close = [&] {
    sqlite3_close(from);
    sqlite3_close(to);
  };
  if (sqlite3_open_v2(source.c_str(), &from, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_open_v2(dest.c_str(), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
          SQLITE_OK) {
    std::string why = sqlite3_errmsg(to ? to : from);
    close();
    return std::unexpected("opening " + source.string() + " for a copy: " + why);
  }
  sqlite3_busy_timeout(from, 5000);
  auto* backup = sqlite3_backup_init(to, "main", from, "main");
  int rc = backup ? sqlite3_backup_step(backup, -1) : SQLITE_ERROR;
  if (backup)
    sqlite3_backup_finish(backup);
  std::string why = rc == SQLITE_DONE ? std::string() : sqlite3_errmsg(to);
  if (rc == SQLITE_DONE)
    sqlite3_exec(to, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
  close();
  if (rc != SQLITE_DONE)
    return std::unexpected("copying " + source.string() + ": " + why);
  return {};
}

} // namespace

std::expected<start_state, std::string> copy_start_state(const fs::path& user_folder,
                                                         const fs::path& dest) {
  std::error_code ec = storage::create_private_dirs(dest);
  if (ec)
    return std::unexpected("cannot create " + dest.string() + ": " + ec.message());
  start_state state;
  if (fs::exists(user_folder / "collection.anki2", ec)) {
    if (auto r = storage::snapshot_collection(user_folder / "collection.anki2",
                                              dest / "collection.anki2");
        !r)
      return std::unexpected("snapshot of the collection: " + r.error().message);
    state.had_collection = true;
  }
  if (fs::exists(user_folder / "media.db", ec)) {
    if (auto r = backup_sqlite_file(user_folder / "media.db", dest / "media.db"); !r)
      return std::unexpected(r.error());
    state.had_media_db = true;
  }
  // Contents are written once under their hash and never changed, so
  // copying them while the actor works is safe. Files still kept by name
  // (media the actor has not taken over yet) are copied too: the replay's
  // server then takes them over as this one would.
  const storage::media_folders from{user_folder}, to{dest};
  for (const auto& [src, dst] : {std::pair{from.store(), to.store()}, std::pair{from.by_name(), to.by_name()}}) {
    if (!fs::is_directory(src, ec))
      continue;
    fs::copy(src, dst, fs::copy_options::recursive | fs::copy_options::skip_existing, ec);
    if (ec)
      return std::unexpected("copying media files: " + ec.message());
  }
  // SQLite makes its files under the umask and a copy keeps its source's
  // mode: the recording's copy is private whatever those were.
  if (ec = storage::make_private_tree(dest); ec)
    return std::unexpected("making " + dest.string() + " private: " + ec.message());
  return state;
}

} // namespace ankisync::actors::recording
