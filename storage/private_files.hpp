#pragma once

// The data folder holds every user's collection, media and recordings, so
// what the server writes there is for the account it runs as alone:
// folders 0700, files 0600. The `ankisync` program sets its umask to 077
// for that; these helpers state the modes where a file or folder is made
// by code that may also run under another umask (the recorder writes to
// any folder --record names), and tighten what an older version left
// readable by others.

#include <filesystem>
#include <string_view>
#include <system_error>

namespace ankisync::storage {

// Creates `dir` and its missing parents, each new one 0700 whatever the
// umask. Folders that already exist are left as they are.
std::error_code create_private_dirs(const std::filesystem::path& dir);

// Creates a new file 0600 holding `bytes`. Error: it exists
// (std::errc::file_exists), or it cannot be written.
std::error_code write_private_file(const std::filesystem::path& file, std::string_view bytes);

// Drops the group and other permission bits of `path` (0644 -> 0600,
// 0755 -> 0700). A symlink, or a path that does not exist, is left alone.
std::error_code make_private(const std::filesystem::path& path);

// make_private on `root` and everything under it, not following symlinks.
std::error_code make_private_tree(const std::filesystem::path& root);

} // namespace ankisync::storage
