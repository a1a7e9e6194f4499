#include "storage/folder_check.hpp"

#include <sqlite3.h>

#include <memory>
#include <vector>

#include "storage/file_ops.hpp"
#include "storage/full_sync.hpp"
#include "storage/media_db.hpp"
#include "storage/media_layout.hpp"

namespace ankisync::storage {
namespace {

namespace fs = std::filesystem;

// "ok", or SQLite's first complaint. (The collection's indexes need the
// unicase collation: it is checked by check_collection_file instead.)
std::string integrity_of(const fs::path& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return message;
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> guard(db, &sqlite3_close);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "pragma integrity_check(1)", -1, &stmt, nullptr) != SQLITE_OK)
    return sqlite3_errmsg(db);
  std::string answer;
  if (sqlite3_step(stmt) == SQLITE_ROW)
    answer = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  else
    answer = sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  return answer;
}

bool is_temp_name(const std::string& name) {
  for (const char* prefix : {".upload-", ".download-", ".ankisync-copy-"})
    if (name.starts_with(prefix)) return true;
  return name.ends_with(".restoring");
}

std::vector<fs::path> stray_temp_files(const fs::path& user_folder) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(user_folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && is_temp_name(it->path().filename().string()))
      out.push_back(it->path());
  const auto stage = media_folders{user_folder}.stage();
  for (fs::directory_iterator it(stage, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) out.push_back(it->path());
  return out;
}

void check_media(const fs::path& user_folder, bool repair, folder_check& out) {
  const media_folders folders{user_folder};
  auto db = media_db::open(folders.db());
  if (!db) {
    out.media_db = db.error().message;
    return;
  }
  auto in_store = db->in_content_store();
  auto rows = db->live_files();
  if (!in_store || !rows) {
    out.media_db = !in_store ? in_store.error().message : rows.error().message;
    return;
  }
  const auto store = folders.content_store();
  out.media_files = rows->size();
  for (const auto& row : *rows) {
    const auto file = *in_store ? store.path_of(row.sha1_raw) : folders.by_name() / row.fname;
    auto sha = sha1_of_file(file, false);
    const bool missing = !sha && sha.error().code == storage_errc::not_found;
    if (sha && *sha == row.sha1_raw) continue;
    // Only a content ankisync stored is removed; a file by name in the
    // official layout is someone else's and stays.
    if (repair && (missing || !*in_store || store.remove(row.sha1_raw)) && db->forget(row.fname)) {
      ++out.repaired;
      continue;
    }
    ++(missing ? out.media_missing : out.media_corrupt);
  }
}

} // namespace

bool folder_check::ok() const {
  return (collection == "ok" || collection == "none") && (media_db == "ok" || media_db == "none") &&
         media_missing == 0 && media_corrupt == 0 && stray_temp == 0;
}

folder_check check_user_folder(const fs::path& user_folder, bool repair_media) {
  folder_check out;
  std::error_code ec;
  const auto col = user_folder / "collection.anki2";
  if (!fs::exists(col, ec)) {
    out.collection = "none";
  } else if (auto checked = check_collection_file(col); !checked) {
    out.collection = checked.error().message;
  }
  const auto media = media_folders{user_folder}.db();
  if (!fs::exists(media, ec)) {
    out.media_db = "none";
  } else if (auto integrity = integrity_of(media); integrity != "ok") {
    out.media_db = integrity;
  } else {
    check_media(user_folder, repair_media, out);
  }
  for (const auto& f : stray_temp_files(user_folder)) {
    if (repair_media && fs::remove(f, ec)) {
      ++out.repaired;
      continue;
    }
    ++out.stray_temp;
  }
  return out;
}

} // namespace ankisync::storage
