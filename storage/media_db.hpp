#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/media_store.hpp"
#include "storage/sqlite_handle.hpp"
#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// The `meta` row of a user's media database.
struct media_totals {
  std::int64_t last_usn = 0;
  std::int64_t total_bytes = 0;
  std::int64_t total_nonempty_files = 0;
};

// A row of `media` as mediaChanges reports it.
struct media_change_row {
  std::string fname;
  std::int64_t usn = 0;
  std::string sha1_raw; // 20 bytes; "" for a deletion record
};

// A live row (size > 0).
struct media_live_file {
  std::string fname;
  std::string sha1_raw; // 20 bytes
  std::int64_t size = 0;
};

// One entry of a validated upload, in `_meta` order.
struct media_upload_change {
  std::string fname;
  bool deletion = false;
  // For an addition: the content, complete under a temp name in the
  // store's folder (or on its file system), not necessarily synced yet;
  // `fd`, when >= 0, is that file still open (borrowed), so that syncing
  // it needs no second open.
  std::string sha1_raw;
  std::int64_t size = 0;
  std::filesystem::path staged;
  int fd = -1;
};

// A row brought over from another server's media database (`ankisync
// import`), with the usn it had there.
struct media_import_row {
  std::string fname;
  // Live row: the content's 20-byte sha1. Deletion record: what the old
  // server kept, "" when nothing.
  std::string sha1_raw;
  std::int64_t size = 0; // 0: a deletion record
  std::int64_t usn = 0;
  std::int64_t mtime = 0; // unix seconds
};

struct media_upload_outcome {
  std::uint32_t processed = 0;
  std::int64_t last_usn = 0;
};

// A user's media database: upstream's server media DB, schema 4
// (`media(fname, csum, size, usn, mtime)`, `meta(last_usn, total_bytes,
// total_nonempty_files)`, PRAGMA user_version 4), plus an index on csum so
// that the content store can tell whether a content is still referenced.
// Opening a schema-3 database migrates it as upstream does.
// One connection; use from one thread at a time. Moveable.
class media_db {
public:
  static result<media_db> open(const std::filesystem::path& path);
  media_db(media_db&&) noexcept = default;
  media_db& operator=(media_db&&) noexcept = default;

  result<media_totals> totals();

  // Rows with usn > after_usn, ascending usn, at most `limit`.
  result<std::vector<media_change_row>> changes_since(std::int64_t after_usn, std::size_t limit);

  // The live row of this name, if any (deletion records do not count).
  result<std::optional<media_live_file>> live_file(std::string_view fname);

  // Applies an upload in one exclusive transaction, with upstream's rules
  // per entry (added / replaced / identical / removed / already deleted;
  // usn + 1 per effective change, totals kept). Added contents are renamed
  // into `store` and made durable together (one store.sync) before the
  // commit; a content already stored is kept, and the temp file dropped,
  // only when a committed row vouches for it. Contents no longer
  // referenced after the commit are removed. `now_s` is the rows' mtime.
  result<media_upload_outcome> apply_upload(const std::vector<media_upload_change>& changes,
                                            const media_store& store, std::int64_t now_s);

  // Fills a database that has no rows yet with `rows`, in one
  // transaction, keeping every usn: meta gets the larger of `last_usn` and
  // the highest row usn, and the totals of the live rows. Files are the
  // caller's business: they are expected by name in the official layout
  // (in_content_store() is false after this). Errors: rows already present (exists); a live row
  // without a 20-byte sha1, a negative size or usn, a name given twice
  // (invalid). Nothing is written then.
  result<media_totals> import_rows(const std::vector<media_import_row>& rows,
                                   std::int64_t last_usn);

  // A live row whose content is missing on disk: the row goes away
  // entirely (no deletion record, no usn change), totals are decremented.
  result<void> forget(std::string_view fname);

  // Every live row, in name order (for moving files between layouts).
  result<std::vector<media_live_file>> live_files();

  // Whether the rows' contents live in ankisync's content store (true for
  // a database ankisync created) or by name beside it, as the official
  // server keeps them (a database ankisync has not taken over yet).
  result<bool> in_content_store();
  // Records where the contents live; the last step of moving them.
  result<void> set_in_content_store(bool yes);

  // Removes stored contents that no row references (crash leftovers).
  // Only names the store itself writes (a lowercase SHA-1) are removed;
  // anything else found there is counted in `left_alone` and kept.
  struct cleanup { std::size_t removed = 0; std::size_t left_alone = 0; };
  result<cleanup> remove_unreferenced(const media_store& store);

private:
  explicit media_db(sqlite_handle db) : db_(std::move(db)) {}
  sqlite_handle db_;
};

} // namespace ankisync::storage
