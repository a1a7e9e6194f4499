#pragma once

// What a campaign reads of a user's files to tell "before", "after" and
// "mixed" apart, through plain read-only SQL (never the code under test).

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ankisync::chaos {

// id -> the row as text without its usn (usn says which sync wrote it,
// which is what the check compares separately).
using row_map = std::map<std::int64_t, std::string>;

struct collection_view {
  std::int32_t usn = 0; // col.usn: one more for every finished sync
  std::int64_t scm = 0, ls = 0, crt = 0;
  std::map<std::string, std::vector<std::string>> all; // every synced table
  std::map<std::string, row_map> objects;               // notes, cards, revlog
};

collection_view read_collection(const std::filesystem::path& file);
// Rows with usn -1 (not yet sent) of notes, cards and revlog.
std::map<std::string, row_map> pending_objects(const std::filesystem::path& file);
std::set<std::int64_t> revlog_ids(const std::filesystem::path& file);
std::set<std::int64_t> note_ids(const std::filesystem::path& file);
// A row's integer column ("mod"), 0 when absent.
std::int64_t row_field(const std::string& row, const std::string& name);

// Live media of a user on the server: name -> sha1 hex, from media.db.
using media_map = std::map<std::string, std::string>;
media_map read_server_media(const std::filesystem::path& media_db);

} // namespace ankisync::chaos
