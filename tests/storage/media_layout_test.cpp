#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>

#include "storage/media_db.hpp"
#include "storage/media_layout.hpp"
#include "sha1_of.hpp"
#include "temp_dir.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::sha1_of;
using ankisync::storage::test::temp_dir;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, std::string_view bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Every regular file under `folder`, relative name -> bytes, but the
// database's own files, which any open or read may touch.
std::map<std::string, std::string> tree(const fs::path& folder) {
  std::map<std::string, std::string> out;
  if (!fs::exists(folder)) return out;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    const auto name = fs::relative(e.path(), folder).string();
    if (e.is_regular_file() && !name.starts_with("media.db")) out[name] = read(e.path());
  }
  return out;
}

void exec(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::string hex_literal(std::string_view raw) { return "X'" + sha1_hex(raw) + "'"; }

const std::string nfc_name = "caf\xc3\xa9 \xe6\x97\xa5.jpg"; // café 日.jpg

// A user folder as the official server leaves it: media.db (its schema 4,
// written here by hand) and each live file by name in media/.
struct official_user {
  temp_dir dir;
  media_folders folders{dir.path};
  std::map<std::string, std::string> live = {
      {"a.mp3", "sound a"}, {nfc_name, "picture"}, {"copy.mp3", "sound a"}};

  official_user() {
    fs::create_directories(folders.by_name());
    std::string sql =
        "CREATE TABLE media (fname text NOT NULL PRIMARY KEY, csum blob NOT NULL, size int NOT "
        "NULL, usn int NOT NULL, mtime int NOT NULL);"
        "CREATE INDEX ix_usn ON media (usn);"
        "CREATE TABLE meta (last_usn int NOT NULL, total_bytes int NOT NULL, "
        "total_nonempty_files int NOT NULL);"
        "PRAGMA user_version = 4;";
    int usn = 0;
    std::int64_t bytes = 0;
    for (const auto& [name, content] : live) {
      write(folders.by_name() / name, content);
      sql += "INSERT INTO media VALUES ('" + name + "', " + hex_literal(sha1_of(content)) + ", " +
             std::to_string(content.size()) + ", " + std::to_string(++usn) + ", 1);";
      bytes += static_cast<std::int64_t>(content.size());
    }
    // A deletion record keeps its last csum; its file is gone.
    sql += "INSERT INTO media VALUES ('gone.mp3', " + hex_literal(sha1_of("gone")) + ", 0, " +
           std::to_string(++usn) + ", 1);";
    sql += "INSERT INTO meta VALUES (" + std::to_string(usn) + ", " + std::to_string(bytes) + ", " +
           std::to_string(live.size()) + ");";
    exec(folders.db(), sql);
    // Files nobody references: ankisync must never remove them.
    write(folders.by_name() / "stray.png", "nobody's");
    write(folders.by_name() / ".DS_Store", "finder");
    write(folders.by_name() / ".tmpXyZ123", "half-writ");
  }

  media_db open() {
    auto db = media_db::open(folders.db());
    if (!db) throw std::runtime_error(db.error().message);
    return std::move(*db);
  }

  // What a device would be served for each live row.
  std::map<std::string, std::string> served(media_db& db) {
    std::map<std::string, std::string> out;
    auto rows = db.live_files();
    REQUIRE(rows);
    const auto store = folders.content_store();
    for (const auto& row : *rows) out[row.fname] = read(store.path_of(row.sha1_raw));
    return out;
  }

  std::map<std::string, std::string> untouched() const {
    return {{"stray.png", "nobody's"}, {".DS_Store", "finder"}, {".tmpXyZ123", "half-writ"}};
  }
};

} // namespace

TEST_CASE("the official layout moves into the content store; files nobody names stay",
          "[media][media_layout]") {
  official_user u;
  auto db = u.open();
  REQUIRE_FALSE(*db.in_content_store());

  auto report = move_media_into_store(db, u.folders);
  REQUIRE(report);
  CHECK_FALSE(report->had_nothing_to_do);
  CHECK(report->total == 3);
  // Two names share one content: it moves once, the second finds it there.
  CHECK(report->moved == 2);
  CHECK(report->already_there == 1);
  CHECK(report->problems.empty());
  CHECK(*db.in_content_store());
  CHECK(u.served(db) == u.live);

  auto left = tree(u.folders.by_name());
  for (const auto& [name, bytes] : u.untouched()) CHECK(left[name] == bytes);
  // The duplicate name's file is not ours to remove.
  CHECK(left.count("copy.mp3") + left.count("a.mp3") == 1);
  CHECK(left.count(nfc_name) == 0);

  auto again = move_media_into_store(db, u.folders);
  REQUIRE(again);
  CHECK(again->had_nothing_to_do);
  // Cleaning the store finds nothing to remove and leaves media/ alone.
  auto cleaned = db.remove_unreferenced(u.folders.content_store());
  REQUIRE(cleaned);
  CHECK(cleaned->removed == 0);
  CHECK(tree(u.folders.by_name()) == left);
}

TEST_CASE("a file whose bytes differ from its row is left where it is", "[media][media_layout]") {
  official_user u;
  write(u.folders.by_name() / "a.mp3", "edited by hand");
  fs::remove(u.folders.by_name() / "copy.mp3");
  auto db = u.open();
  auto report = move_media_into_store(db, u.folders);
  REQUIRE(report);
  CHECK(report->moved == 1);
  REQUIRE(report->problems.size() == 2);
  CHECK(read(u.folders.by_name() / "a.mp3") == "edited by hand");
}

TEST_CASE("an interrupted move finishes on the next run with nothing lost", "[media][media_layout]") {
  for (std::size_t stop_after = 1; stop_after <= 3; ++stop_after) {
    INFO("stopped after " << stop_after << " rows");
    official_user u;
    {
      auto db = u.open();
      media_layout_options options;
      options.on_event = [&](const media_file_event& e) {
        if (e.done == stop_after) throw std::runtime_error("stop");
      };
      CHECK_THROWS(move_media_into_store(db, u.folders, options));
      CHECK_FALSE(*db.in_content_store());
    }
    auto db = u.open();
    auto report = move_media_into_store(db, u.folders);
    REQUIRE(report);
    CHECK(report->problems.empty());
    CHECK(u.served(db) == u.live);
  }
}

TEST_CASE("an older ankisync's contents by SHA-1 in media/ move too", "[media][media_layout]") {
  official_user u;
  for (const auto& [name, bytes] : u.live) {
    fs::remove(u.folders.by_name() / name);
    write(u.folders.by_name() / sha1_hex(sha1_of(bytes)), bytes);
  }
  auto db = u.open();
  auto report = move_media_into_store(db, u.folders);
  REQUIRE(report);
  CHECK(report->problems.empty());
  CHECK(u.served(db) == u.live);
}

TEST_CASE("a dry run reports and changes nothing", "[media][media_layout]") {
  official_user u;
  const auto before = tree(u.dir.path);
  auto db = u.open();
  media_layout_options options;
  options.dry_run = true;
  auto report = move_media_into_store(db, u.folders, options);
  REQUIRE(report);
  CHECK(report->moved == 3); // duplicates are counted for each name in a dry run
  CHECK_FALSE(*db.in_content_store());
  CHECK_FALSE(fs::exists(u.folders.store()));
  CHECK(tree(u.dir.path) == before);
}

TEST_CASE("back to the official layout gives the same files by name", "[media][media_layout]") {
  official_user u;
  const auto original = tree(u.folders.by_name());
  auto db = u.open();
  REQUIRE(move_media_into_store(db, u.folders));

  auto back = move_media_to_official(db, u.folders);
  REQUIRE(back);
  CHECK(back->problems.empty());
  CHECK(back->moved + back->already_there == 3);
  CHECK_FALSE(*db.in_content_store());
  CHECK_FALSE(fs::exists(u.folders.store()));
  CHECK(tree(u.folders.by_name()) == original);
}

TEST_CASE("going back refuses a name taken by other bytes, changing nothing",
          "[media][media_layout]") {
  official_user u;
  auto db = u.open();
  REQUIRE(move_media_into_store(db, u.folders));
  write(u.folders.by_name() / nfc_name, "someone else's");
  const auto before = tree(u.dir.path);

  auto back = move_media_to_official(db, u.folders);
  REQUIRE_FALSE(back);
  CHECK(back.error().code == storage_errc::exists);
  CHECK(*db.in_content_store());
  CHECK(tree(u.dir.path) == before);
}

TEST_CASE("a media name that cannot be a file name is reported, not followed",
          "[media][media_layout]") {
  CHECK_FALSE(usable_as_file_name("../users.db"));
  CHECK_FALSE(usable_as_file_name(".."));
  CHECK_FALSE(usable_as_file_name(""));
  CHECK(usable_as_file_name(".hidden.mp3"));
  official_user u;
  exec(u.folders.db(), "INSERT INTO media VALUES ('../escape', " + hex_literal(sha1_of("x")) +
                           ", 1, 99, 1);");
  write(u.dir.path / "escape", "x");
  auto db = u.open();
  auto report = move_media_into_store(db, u.folders);
  REQUIRE(report);
  CHECK(report->problems.size() == 1);
  CHECK(read(u.dir.path / "escape") == "x");
}
