#pragma once

#include <filesystem>
#include <string>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

// Makes a file's data, or a folder's entries (renames, links), durable.
result<void> fsync_path(const std::filesystem::path& p, bool directory);

// The raw 20-byte SHA-1 of a regular file's bytes. With `make_durable`
// the file's data is also flushed to disk (fdatasync) before the digest
// is returned, so a caller that then renames it under that digest never
// names a file whose bytes a power cut could still lose.
result<std::string> sha1_of_file(const std::filesystem::path& file, bool make_durable);

// Copies `from` to `to` through a temp name in `to`'s folder, flushed
// before the final rename: `to` either does not exist or is complete.
// Refuses to replace an existing `to`.
result<void> copy_file_durably(const std::filesystem::path& from, const std::filesystem::path& to);

} // namespace ankisync::storage
