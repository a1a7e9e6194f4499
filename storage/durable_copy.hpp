#pragma once

// Copying files so that the copy is known to be whole: its bytes checked
// against the sha1 they should have, and on disk before anyone relies on
// it. Used by `ankisync import` to bring media files over.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

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

// fsync of a folder, making the names created in it durable.
result<void> sync_directory(const std::filesystem::path& folder);

} // namespace ankisync::storage
