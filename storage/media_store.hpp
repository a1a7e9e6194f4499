#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

// A user's media files on disk, stored by content: `<folder>/<sha1 hex>`.
// Names never reach the file system, so no client name can traverse,
// collide by case, or be half-written under a live name: a content is
// written once, complete, under a temp name in the store folder itself
// (temp_prefix + 16 hex digits), then renamed to its sha1; the media
// database (media_db) alone maps names to contents, and its commit comes
// only after sync() made the renamed contents durable. A crash before the
// commit leaves unreferenced files, removed by remove_unreferenced, and
// temp files, removed by remove_temp_files; a content found present but
// unreferenced is never trusted (see adopt).
//
// `<stage folder>` holds an upload's decoded zip while it is read.
class media_store {
public:
  // The names the store gives contents still being written.
  static constexpr std::string_view temp_prefix = ".ankisync-new-";
  static constexpr std::size_t temp_suffix_digits = 16; // lowercase hex

  media_store(std::filesystem::path folder, std::filesystem::path stage_folder);

  const std::filesystem::path& folder() const { return folder_; }
  const std::filesystem::path& stage_folder() const { return stage_folder_; }

  // Creates both folders if needed.
  result<void> prepare() const;

  // Where the content with this raw 20-byte sha1 lives (it may not exist).
  std::filesystem::path path_of(std::string_view sha1_raw) const;

  // Renames a complete file in the store folder (or on its file system)
  // to its sha1. Without `replace`, a content already present is left as
  // it is, and so is `staged` (already_there); with it, it is replaced.
  enum class adopted { moved, already_there };
  result<adopted> adopt(const std::filesystem::path& staged, std::string_view sha1_raw,
                        bool replace = false) const;

  // Makes adopted contents durable: their data (fdatasync of each, issued
  // one after the other so the file system commits them together; `fd`
  // < 0 opens the stored file by its sha1) and their names (one fsync of
  // the folder).
  struct written {
    int fd = -1;
    std::string sha1_raw;
  };
  result<void> sync(const std::vector<written>& contents) const;

  // Whether a name in the store folder is one of its temp names.
  static bool is_temp_name(std::string_view file_name);
  // Removes regular files under a temp name (what a crash left while
  // writing); nothing else is touched. How many were removed.
  std::size_t remove_temp_files() const;

  // Removes a stored content; a missing file is not an error.
  result<void> remove(std::string_view sha1_raw) const;

  // Empties the stage folder (leftovers of a crash or a refused upload).
  void clear_stage() const;

private:
  std::filesystem::path folder_;
  std::filesystem::path stage_folder_;
};

// Lowercase 40-digit hex of a raw 20-byte sha1, and back ("" if malformed).
std::string sha1_hex(std::string_view sha1_raw);
std::string sha1_raw_from_hex(std::string_view hex);

} // namespace ankisync::storage
