#pragma once

#include <filesystem>

#include "storage/users_db.hpp"

namespace ankisync::app {

// A data folder an older version (or a looser umask) left readable by
// others is made private at start: the folder itself, users.db with its
// WAL files, the recordings folder and each user's folder (0700 on a
// user's folder shuts out everything in it). Only what ankisync made is
// touched, and only its mode: a file the operator put there stays as it
// is. A failure is logged; the server starts anyway.
void make_data_folder_private(const std::filesystem::path& data_dir, storage::users_db& db);

} // namespace ankisync::app
