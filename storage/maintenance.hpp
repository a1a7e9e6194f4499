#pragma once

// The three data-safety commands as one sequence each, the same whether
// the server runs (each user's step then runs inside that user's actor,
// between sync sessions) or not (the command holds the data folder's
// lock and runs the step itself): `ankisync backup`, `restore`, `check`
// (docs/backup.md).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ankisync::storage {

struct user_outcome {
  std::string user;
  bool ok = false;
  std::string line; // one line for the operator
};

struct maintenance_report {
  bool ok = true;
  std::string path;  // the backup folder written, when any
  std::string error; // a failure that is not one user's
  std::vector<user_outcome> users;
};

// Runs `step` on `user`'s folder when nothing else touches it, and
// returns what it returned. `replaces_files`: the step replaces the
// user's files, so any open connection to them must be closed first.
using owner_fn = std::function<user_outcome(const std::string& user, bool replaces_files,
                                            std::function<user_outcome()> step)>;

// Runs the step at once: for a data folder whose lock the caller holds.
user_outcome run_directly(const std::string& user, bool replaces_files,
                          std::function<user_outcome()> step);

struct maintenance_options {
  std::filesystem::path data_dir;
  std::string only_user; // empty: every user
  owner_fn owner = run_directly;
  // Called after each user (progress on a terminal, logs).
  std::function<void(const user_outcome&)> on_user;
  // Set to stop between users (the server is stopping).
  const std::atomic<bool>* stop = nullptr;
};

// A new backup folder in `backup_dir` with every user (or one), users.db
// and, last, the manifest.
maintenance_report run_backup(const maintenance_options& o, const std::filesystem::path& backup_dir);
// Refuses, changing nothing, unless every file of the chosen users
// matches the manifest.
maintenance_report run_restore(const maintenance_options& o, const std::filesystem::path& backup);
maintenance_report run_check(const maintenance_options& o, bool repair_media);

// The admin endpoint's answer, and back (the command prints either way).
std::string encode_report(const maintenance_report& r);
maintenance_report decode_report(const std::string& json);

} // namespace ankisync::storage
