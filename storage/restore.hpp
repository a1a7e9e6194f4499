#pragma once

#include <filesystem>
#include <string>

#include "storage/backup.hpp"
#include "storage/storage_error.hpp"

namespace ankisync::storage {

// Puts one user's files from a verified backup back into `user_folder`:
// media contents missing there are copied in first (harmless extras until
// the media database names them), then the media database and last the
// collection replace the live files atomically (written beside, flushed,
// renamed). The restored collection gets a new schema time (`scm`), so
// every device is asked for a full sync instead of merging into a history
// that no longer exists. The caller owns the folder and has closed its
// connections to these files. Returns a one-line summary.
result<std::string> restore_user(const std::filesystem::path& backup, const backup_manifest& m,
                                 const std::string& user, const std::filesystem::path& user_folder,
                                 std::int64_t now_ms);

} // namespace ankisync::storage
