#include "storage/restore.hpp"

#include <algorithm>
#include <functional>

#include "storage/collection.hpp"
#include "storage/file_ops.hpp"
#include "storage/full_sync.hpp"

namespace ankisync::storage {
namespace {

namespace fs = std::filesystem;

// Replaces `live` with a copy of `from`, through `<live>.restoring`.
result<void> replace_with_copy(const fs::path& from, const fs::path& live,
                               const std::function<result<void>(const fs::path&)>& adjust) {
  const fs::path temp = live.string() + ".restoring";
  std::error_code ec;
  fs::remove(temp, ec); // a restore interrupted before
  if (auto r = copy_file_durably(from, temp); !r) return r;
  auto done = adjust ? adjust(temp) : result<void>{};
  if (done) done = replace_collection_file(temp, live);
  if (!done) fs::remove(temp, ec);
  return done;
}

result<void> new_schema_time(const fs::path& file, std::int64_t now_ms) {
  collection_options options;
  options.create_if_missing = false;
  auto col = collection::open(file, options);
  if (!col) return std::unexpected(col.error());
  auto row = col->read_col();
  if (!row) return std::unexpected(row.error());
  // Strictly later than the one devices know, even on a clock that stepped back.
  return col->set_scm(std::max(now_ms, row->scm + 1));
}

} // namespace

result<std::string> restore_user(const fs::path& backup, const backup_manifest& m,
                                 const std::string& user, const fs::path& user_folder,
                                 std::int64_t now_ms) {
  const auto prefix = user + "/";
  bool has_collection = false, has_media_db = false;
  std::size_t media_files = 0, media_copied = 0;
  std::error_code ec;
  fs::create_directories(user_folder, ec);
  if (ec) return fail(storage_errc::io, "create " + user_folder.string() + ": " + ec.message());
  for (const auto& f : m.files) {
    if (!f.path.starts_with(prefix)) continue;
    const auto rest = f.path.substr(prefix.size());
    if (rest == "collection.anki2") has_collection = true;
    else if (rest == "media.db") has_media_db = true;
    else if (rest.starts_with("media-store/") || rest.starts_with("media/")) {
      ++media_files;
      const auto live = user_folder / rest;
      if (fs::exists(live, ec)) continue; // same name, same content in the store
      fs::create_directories(live.parent_path(), ec);
      if (auto r = copy_file_durably(backup / f.path, live); !r) return std::unexpected(r.error());
      ++media_copied;
    }
  }
  for (const char* folder : {"media-store", "media"})
    if (fs::is_directory(user_folder / folder, ec))
      if (auto r = fsync_path(user_folder / folder, true); !r) return std::unexpected(r.error());
  if (has_media_db)
    if (auto r = replace_with_copy(backup / prefix / "media.db", user_folder / "media.db", {}); !r)
      return std::unexpected(r.error());
  if (has_collection)
    if (auto r = replace_with_copy(backup / prefix / "collection.anki2", user_folder / "collection.anki2",
                                   [&](const fs::path& temp) { return new_schema_time(temp, now_ms); });
        !r)
      return std::unexpected(r.error());
  if (!has_collection && !has_media_db && media_files == 0)
    return std::string("nothing of this user in the backup");
  return std::string(has_collection ? "collection" : "no collection") + ", " +
         (has_media_db ? "media database" : "no media database") + ", " +
         std::to_string(media_files) + " media files (" + std::to_string(media_copied) +
         " copied back); devices will be asked for a full sync";
}

} // namespace ankisync::storage
