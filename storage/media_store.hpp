#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

// A user's media files on disk, stored by content: `<folder>/<sha1 hex>`.
// Names never reach the file system, so no client name can traverse,
// collide by case, or be half-written under a live name: a file enters the
// store by an atomic rename of a complete, fsynced temp file, and the media
// database (media_db) alone maps names to contents. A crash between rename
// and commit leaves an unreferenced file, removed by remove_unreferenced.
//
// Staged files (upload entries being validated) live in `<stage folder>`,
// on the same file system, so that adopt() is a rename.
class media_store {
public:
  media_store(std::filesystem::path folder, std::filesystem::path stage_folder);

  const std::filesystem::path& folder() const { return folder_; }
  const std::filesystem::path& stage_folder() const { return stage_folder_; }

  // Creates both folders if needed.
  result<void> prepare() const;

  // Where the content with this raw 20-byte sha1 lives (it may not exist).
  std::filesystem::path path_of(std::string_view sha1_raw) const;

  // Moves a complete staged file (already fsynced) into the store under
  // its sha1. Content already present: the staged file is removed instead.
  result<void> adopt(const std::filesystem::path& staged, std::string_view sha1_raw) const;

  // Makes previous adopt() renames durable (fsync of the folder).
  result<void> sync_folder() const;

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
