#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "storage/users_db.hpp"

namespace ankisync::app {

// A data folder an older version (or a looser umask) left readable by
// others is made private at start: the folder itself, users.db with its
// WAL files, the recordings folder and each user's folder (0700 on a
// user's folder shuts out everything in it). Only what ankisync made is
// touched, and only its mode: a file the operator put there stays as it
// is. A failure is logged; the server starts anyway.
void make_data_folder_private(const std::filesystem::path& data_dir, storage::users_db& db);

// Root working in a data folder that belongs to another account (the
// service user of the package) would leave files behind, SQLite's -wal
// among them, that the server running as that account cannot open. Gives
// the sentence refusing it, or nothing when the folder is missing, root's
// own, or the caller is not root. `command` is what to run instead, e.g.
// "user add NAME".
std::optional<std::string> refuse_foreign_folder(const std::filesystem::path& data_dir,
                                                 std::string_view command);

} // namespace ankisync::app
