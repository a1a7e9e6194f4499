#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

// Makes a file's data, or a folder's entries (renames, links), durable.
result<void> fsync_path(const std::filesystem::path& p, bool directory);

// The raw 20-byte SHA-1 of a regular file's bytes. With `make_durable`
// the file's data is also flushed to disk (fdatasync) before the digest
// is returned, so a caller that then renames it under that digest never
// names a file whose bytes a power cut could still lose.
result<std::string> sha1_of_file(const std::filesystem::path& file, bool make_durable);

// Lowercase hex SHA-256 of a regular file's bytes (backup manifests).
result<std::string> sha256_hex_of_file(const std::filesystem::path& file);

struct hashed_copy {
  std::uint64_t size = 0;
  std::string sha256; // lowercase hex
};
// Copies `from` to `to` (which must not exist) in one pass that also
// takes the SHA-256 of the bytes, then flushes `to`. A failure leaves no
// `to`.
result<hashed_copy> copy_with_sha256(const std::filesystem::path& from,
                                     const std::filesystem::path& to);

// Makes `to` (which must not exist) the same file as `from`: a hard link
// where the file system allows one, else a flushed copy. Contents that
// are never rewritten in place (the media store) can share their inode.
result<void> link_or_copy(const std::filesystem::path& from, const std::filesystem::path& to);

struct copied_file {
  std::string sha1_raw; // 20 bytes
  std::int64_t size = 0;
};

// Reads `source` (a regular file; a symbolic link is refused, so nothing
// outside the source folder is read) while computing its sha1. With a
// `dest` (which must not exist) the bytes are written there too and
// fsynced. A content whose sha1 is not `expected_sha1_raw` is `corrupt`
// and leaves no `dest`; so does any other failure. Without `dest` the
// file is only read and checked.
result<copied_file> copy_verified(const std::filesystem::path& source,
                                  const std::filesystem::path* dest,
                                  std::string_view expected_sha1_raw);

// Copies `from` to `to` through a temp name in `to`'s folder, flushed
// before the final rename: `to` either does not exist or is complete.
// Refuses to replace an existing `to`.
result<void> copy_file_durably(const std::filesystem::path& from, const std::filesystem::path& to);

} // namespace ankisync::storage
