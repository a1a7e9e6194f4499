#pragma once

// A device's media, as the official client keeps it: the files in
// `<device folder>/collection.media/` and their sync state in
// `<device folder>/collection.media.db`, upstream's client schema
//
//   media(fname text primary key, csum text /* hex, null = deleted */,
//         mtime int, dirty int)
//   meta(dirMod int, lastUsn int)
//
// with one difference: `mtime` holds nanoseconds, not seconds, so that a
// file rewritten within the second of its last scan is still seen as
// changed. (dirMod is kept for the schema but not used to skip scans, for
// the same reason: every rescan lists the folder.)

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/storage_error.hpp"
#include "tools/client/media_names.hpp"

struct sqlite3;

namespace ankisync::client {

// A row of the client media DB.
struct media_entry {
  std::string fname;
  std::string sha1_hex; // "" when deleted
  std::int64_t mtime_ns = 0;
  bool dirty = false;
};

// A file in the media folder that the DB knows as live.
struct media_live_entry {
  std::string fname;
  std::string sha1_hex;
};

// A file just written into the folder by a download.
struct media_added {
  std::string fname;
  std::string sha1_hex;
  std::int64_t mtime_ns = 0;
};

// Lowercase hex SHA-1 of some bytes.
std::string sha1_hex_of(std::string_view bytes);

// One device's media folder and DB. One connection; one thread at a time.
class media_folder {
public:
  // Creates the folder and the DB when missing.
  static storage::result<media_folder> open(const std::filesystem::path& device_folder);
  ~media_folder();
  media_folder(media_folder&&) noexcept;
  media_folder& operator=(media_folder&&) noexcept;

  const std::filesystem::path& folder() const { return folder_; }

  // ---- what a user does ----
  // Writes the file and marks it for upload. The name must already be
  // normalised (normalize_media_name(name) == name) and syncable, and the
  // bytes 1..100 MiB: storage_errc::invalid otherwise.
  storage::result<void> add_file(std::string_view name, std::string_view bytes);
  // Removes the file and marks the deletion for upload; not_found when
  // there is no such file.
  storage::result<void> remove_file(std::string_view name);
  // The bytes of a file in the folder; not_found when absent.
  storage::result<std::string> read_file(std::string_view name) const;

  // Brings the DB up to date with the folder, as upstream's change
  // tracker does: new files and files whose mtime changed are hashed and
  // marked dirty when their content differs from the DB's; DB files gone
  // from the folder become dirty deletions. Names that are not
  // normalised, empty files, files over 100 MiB and non-syncable names
  // are ignored.
  storage::result<void> rescan();

  // Live files per the DB, by name.
  storage::result<std::vector<media_live_entry>> live_files();
  storage::result<std::int64_t> last_usn();
  // Rows with a checksum: what mediaSanity sends as `local`.
  storage::result<std::uint32_t> live_count();

  // ---- sync bookkeeping ----
  storage::result<std::optional<media_entry>> entry(std::string_view fname);
  // Up to `limit` dirty rows, in name order.
  storage::result<std::vector<media_entry>> pending(std::size_t limit);
  // Drops a row outright (a dirty file that can no longer be sent).
  storage::result<void> forget(std::string_view fname);
  // Removes files the server deleted (a missing file is fine).
  storage::result<void> delete_files(const std::vector<std::string>& fnames);
  // Writes a downloaded file under `fname` (temp file, then rename).
  storage::result<media_added> write_downloaded(std::string_view fname, std::string_view bytes);
  // The end of one pulled batch, in one transaction: rows in
  // `remove_pending` are clean, rows in `deleted` gone, `added` live and
  // clean, and lastUsn is `last_usn`.
  storage::result<void> commit_pull(const std::vector<std::string>& remove_pending,
                                    const std::vector<std::string>& deleted,
                                    const std::vector<media_added>& added,
                                    std::int64_t last_usn);
  // A name that had to be renamed on download: the server's name is a
  // pending deletion, the new one a pending addition.
  storage::result<void> record_renamed(std::string_view server_name, const media_added& file);
  // After an upload: these rows are clean; lastUsn becomes `new_usn` when
  // given.
  storage::result<void> commit_upload(const std::vector<std::string>& clean,
                                      std::optional<std::int64_t> new_usn);
  // What a "mediaSanity" answer does: every row dropped, lastUsn 0.
  storage::result<void> force_resync();

private:
  media_folder(std::filesystem::path device_folder, sqlite3* db);
  storage::result<void> set_entry(const media_entry& e);

  std::filesystem::path device_folder_;
  std::filesystem::path folder_;
  sqlite3* db_ = nullptr;
};

} // namespace ankisync::client
