#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace ankisync::storage {

// What `ankisync check` found in one user's folder.
struct folder_check {
  std::string collection = "ok"; // "ok", "none" or the problem
  std::string media_db = "ok";   // "ok", "none" or the problem
  std::size_t media_files = 0;   // live rows
  std::size_t media_missing = 0; // rows whose content is not on disk
  std::size_t media_corrupt = 0; // rows whose file has other bytes
  std::size_t stray_temp = 0;    // temp files nothing is writing
  std::size_t repaired = 0;      // rows forgotten and files removed by repair
  bool ok() const;
};

// PRAGMA integrity_check and the schema checks of an upload for the
// collection, integrity_check for the media database, every live media
// row's file present with its SHA-1, and no temp files left behind. With
// `repair_media`, rows whose content is missing or damaged are forgotten
// (devices that still have the file send it again at their next media
// check), damaged contents ankisync stored are removed, and stray temp
// files are deleted. The caller owns the folder (no transfer runs).
folder_check check_user_folder(const std::filesystem::path& user_folder, bool repair_media);

} // namespace ankisync::storage
