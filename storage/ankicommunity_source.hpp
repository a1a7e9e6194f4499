#pragma once

// Readers of the SQLite files ankicommunity's anki-sync-server (ankisyncd)
// leaves in its data folder, for `ankisync import`. They open files
// read-only and write nothing. A file that was in use may have a journal
// or -wal beside it: copy the file with those and settle_sqlite_copy() the
// copy first, so the source folder is never touched.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

// auth.db: auth(username, hash).
struct ankicommunity_account {
  std::string name;
  std::string hash; // hex(sha256(name + password + salt)) + salt
};

// session.db: session(hkey, skey, username, path); only the key and its
// user matter to us.
struct ankicommunity_session {
  std::string host_key;
  std::string name;
};

// collection.media.server.db: media(fname, usn, csum), csum the content's
// sha1 as hex text, NULL once the file was deleted.
struct ankicommunity_media_row {
  std::string fname;
  std::int64_t usn = 0;
  std::optional<std::string> sha1_hex; // lowercase; nullopt: deleted
};

struct ankicommunity_media_index {
  std::vector<ankicommunity_media_row> rows; // ascending usn
  // The last usn handed out: the highest row usn, or the meta table's if
  // one exists and says more (versions differ in whether they keep one).
  std::int64_t last_usn = 0;
};

// What `ankisync import` reports about a collection file (any schema).
struct collection_summary {
  std::int64_t ver = 0;
  std::int64_t usn = 0;
  std::int64_t mod = 0;
  std::int64_t scm = 0;
  std::int64_t notes = 0;
  std::int64_t cards = 0;
};

// Opens a copied SQLite file read-write once and closes it, so that a
// journal or -wal copied with it is applied to it (and removed). For
// copies only: it writes.
result<void> settle_sqlite_copy(const std::filesystem::path& file);

// Errors: not an SQLite file, or without the expected table (corrupt).
result<std::vector<ankicommunity_account>> read_ankicommunity_auth(
    const std::filesystem::path& auth_db);
result<std::vector<ankicommunity_session>> read_ankicommunity_sessions(
    const std::filesystem::path& session_db);
// Also corrupt: a csum that is not 40 hex digits.
result<ankicommunity_media_index> read_ankicommunity_media(
    const std::filesystem::path& media_server_db);
result<collection_summary> read_collection_summary(const std::filesystem::path& collection);

} // namespace ankisync::storage
