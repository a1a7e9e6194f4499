#pragma once

// `ankisync import --from ankicommunity`: one user of ankicommunity's
// anki-sync-server (ankisyncd) at a time becomes an ankisync user with the
// same collection, media, password and device keys (docs/migration.md).
//
// Nothing in the source folder is written: its SQLite files are copied
// into a work folder before they are opened. A user's new folder is
// assembled beside the data folder's users (in the work folder, same file
// system), then renamed into place in one step, and only then is the
// account added to users.db, in one transaction. So a server running on
// the same data folder sees either nothing of the user or all of it.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/ankicommunity_source.hpp"
#include "storage/users_db.hpp"

namespace ankisync::app::import {

// Where ankisyncd kept things: one folder per user under `root`, and the
// two databases (by default in `root` too).
struct source_layout {
  std::filesystem::path root;
  std::filesystem::path auth_db;
  std::filesystem::path session_db; // may be absent: no device keys then
};

struct skipped_file {
  std::string name;
  std::string reason;
};

// What happened to one user: printed by the command.
struct user_report {
  std::string name;
  bool ok = false;
  std::string error; // why not, when !ok

  bool has_collection = false;
  storage::collection_summary collection; // as found in the source
  std::int64_t media_files = 0;           // live files brought over
  std::int64_t media_bytes = 0;
  std::int64_t media_deletions = 0;       // deletion records kept
  std::int64_t media_last_usn = 0;
  std::size_t host_keys = 0;
  std::vector<skipped_file> skipped;
  std::vector<std::string> notes; // e.g. "already an ankisync user: password kept"
};

// The accounts of auth.db and the device keys of session.db, by user.
struct source_accounts {
  std::vector<storage::ankicommunity_account> accounts;
  std::map<std::string, std::vector<std::string>> host_keys;
  // Users with folders in the source but no account, and sessions of
  // users without one: reported, not imported.
  std::vector<std::string> folders_without_account;
  std::size_t orphan_sessions = 0;
};

// Reads auth.db (required) and session.db (optional) through copies in
// `work`. The error says which file and why.
std::expected<source_accounts, std::string> read_accounts(const source_layout& source,
                                                          const std::filesystem::path& work);

struct run_options {
  std::filesystem::path data_dir;
  // A private empty folder on the data folder's file system (or anywhere
  // for a dry run), removed by the caller afterwards.
  std::filesystem::path work;
  bool dry_run = false;
  // Called with a short text now and then during long steps.
  std::function<void(std::string_view)> progress;
};

// Imports one account with its folder `source.root / account.name`. A dry
// run does every check and conversion in `work` and changes nothing else;
// it passes no `users` (users.db stays closed) and so tells existing
// users only by their data.
user_report import_user(const storage::ankicommunity_account& account,
                        const std::vector<std::string>& host_keys, const source_layout& source,
                        const run_options& options, storage::users_db* users);

} // namespace ankisync::app::import
