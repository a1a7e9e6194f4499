#pragma once

// The users' folders in the data directory, with what a stat tells of
// their collection: for GET /admin/users, which a dashboard asks every
// few seconds, so it opens no user's file and makes one readdir pass and
// two fstatat calls per user, relative to the data directory.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ankisync::actors {

struct user_folder {
  std::string name;
  std::int64_t collection_bytes = -1; // collection.anki2 and its WAL; -1: none
  std::int64_t modified_ms = -1;      // Unix ms of collection.anki2's last change
};

// Every folder in `data_dir` whose name does not start with a dot, in no
// particular order; empty when the folder cannot be read.
std::vector<user_folder> list_user_folders(const std::filesystem::path& data_dir);

} // namespace ankisync::actors
