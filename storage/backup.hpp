#pragma once

// Backups of a data folder (docs/backup.md): one folder per backup, with
// each user's collection, media database and media files, users.db, and a
// manifest written last. A folder without a manifest is a backup that did
// not finish and is never used or counted.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

inline constexpr const char* backup_manifest_name = "manifest.json";

struct manifest_file {
  std::string path; // relative to the backup folder, '/'-separated
  std::uint64_t size = 0;
  std::string sha256; // lowercase hex
};

struct backup_manifest {
  std::int64_t created_s = 0; // unix seconds
  std::vector<std::string> users;
  std::vector<manifest_file> files;
};

// Copies what `user_folder` holds into `<backup>/<user>/`: the collection
// and the media database through SQLite's backup API (one read
// transaction each: the copy is the last commit, never a half-applied
// one), and the media files as hard links where the file system allows,
// copies otherwise. The caller must be the folder's owner, between sync
// sessions, so that no file changes meanwhile. A user without a folder
// yet has nothing to copy.
result<std::vector<manifest_file>> backup_user(const std::filesystem::path& user_folder,
                                               const std::filesystem::path& backup,
                                               const std::string& user);

// users.db, copied the same way; it may be written meanwhile (logins).
result<manifest_file> backup_users_db(const std::filesystem::path& users_db,
                                      const std::filesystem::path& backup);

// A consistent copy of a SQLite database at `dest` (which must not
// exist), flushed to disk.
result<void> copy_database(const std::filesystem::path& source, const std::filesystem::path& dest);

// Written last, through a temp name, flushed: its presence marks the
// backup complete.
result<void> write_manifest(const std::filesystem::path& backup, const backup_manifest& m);
result<backup_manifest> read_manifest(const std::filesystem::path& backup);

// Size and SHA-256 of every file of `user` in the manifest (every file
// when `user` is empty); `corrupt` naming the first that differs.
result<void> verify_backup(const std::filesystem::path& backup, const backup_manifest& m,
                           const std::string& user);

// A new, empty folder for a backup inside `dir`, named for the time
// (UTC), so that names sort by age.
result<std::filesystem::path> make_backup_folder(const std::filesystem::path& dir);

// The complete backups (those with a manifest) in `dir`, newest first.
std::vector<std::filesystem::path> complete_backups(const std::filesystem::path& dir);

// Keeps the newest `keep` complete backups in `dir` (never fewer than
// one) and removes the older ones, and the folders of backups that never
// finished and are older than the newest complete one (a backup still
// being written is newer). Only folders named as make_backup_folder names
// them are touched. Returns what was removed.
std::vector<std::filesystem::path> prune_backups(const std::filesystem::path& dir, unsigned keep);

// Sums of a list of files, for the summaries.
std::uint64_t total_bytes(const std::vector<manifest_file>& files);

} // namespace ankisync::storage
