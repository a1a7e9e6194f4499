#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "storage/ankicommunity_source.hpp"
#include "temp_dir.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::temp_dir;

namespace {

// Writes a database the way ankisyncd's tables look.
void make_db(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) FAIL(message);
}

const std::string sha_a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

} // namespace

TEST_CASE("auth.db accounts are read with their hashes") {
  temp_dir dir;
  make_db(dir / "auth.db", "CREATE TABLE auth (username VARCHAR PRIMARY KEY, hash VARCHAR);"
                           "INSERT INTO auth VALUES ('bob', 'hb'), ('alice', 'ha');");
  auto accounts = read_ankicommunity_auth(dir / "auth.db");
  REQUIRE(accounts);
  REQUIRE(accounts->size() == 2);
  CHECK((*accounts)[0].name == "alice");
  CHECK((*accounts)[0].hash == "ha");
  CHECK((*accounts)[1].name == "bob");
}

TEST_CASE("a file without the expected table is refused as corrupt") {
  temp_dir dir;
  make_db(dir / "other.db", "CREATE TABLE t (x);");
  auto r = read_ankicommunity_auth(dir / "other.db");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == storage_errc::corrupt);
  auto missing = read_ankicommunity_sessions(dir / "missing.db");
  CHECK_FALSE(missing);
  CHECK_FALSE(std::filesystem::exists(dir / "missing.db"));
}

TEST_CASE("session.db keys are read with their users") {
  temp_dir dir;
  make_db(dir / "session.db",
          "CREATE TABLE session (hkey VARCHAR PRIMARY KEY, skey VARCHAR, username VARCHAR, path VARCHAR);"
          "INSERT INTO session VALUES ('k1', 's1', 'alice', '/x/alice'), ('k2', 's2', NULL, NULL);");
  auto sessions = read_ankicommunity_sessions(dir / "session.db");
  REQUIRE(sessions);
  REQUIRE(sessions->size() == 1);
  CHECK((*sessions)[0].host_key == "k1");
  CHECK((*sessions)[0].name == "alice");
}

TEST_CASE("media rows keep usns, deletions have no sha1, and the meta usn counts when higher") {
  temp_dir dir;
  make_db(dir / "m.db",
          "CREATE TABLE media (fname TEXT NOT NULL PRIMARY KEY, usn INT NOT NULL, csum TEXT);"
          "INSERT INTO media VALUES ('b.png', 3, NULL), ('a.jpg', 1, '" + sha_a + "'),"
          " ('c.mp3', 2, 'ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD');"
          "CREATE TABLE meta (dirMod int, usn int); INSERT INTO meta VALUES (0, 7);");
  auto index = read_ankicommunity_media(dir / "m.db");
  REQUIRE(index);
  REQUIRE(index->rows.size() == 3);
  CHECK(index->rows[0].fname == "a.jpg");
  CHECK(index->rows[0].sha1_hex == sha_a);
  CHECK(index->rows[1].sha1_hex == "abcdefabcdefabcdefabcdefabcdefabcdefabcd");
  CHECK(index->rows[2].fname == "b.png");
  CHECK(index->rows[2].usn == 3);
  CHECK_FALSE(index->rows[2].sha1_hex);
  CHECK(index->last_usn == 7);
}

TEST_CASE("without a meta table the last media usn is the highest row's") {
  temp_dir dir;
  make_db(dir / "m.db", "CREATE TABLE media (fname TEXT NOT NULL PRIMARY KEY, usn INT NOT NULL, csum TEXT);"
                        "INSERT INTO media VALUES ('a.jpg', 4, '" + sha_a + "');");
  auto index = read_ankicommunity_media(dir / "m.db");
  REQUIRE(index);
  CHECK(index->last_usn == 4);
}

TEST_CASE("a media csum that is not a sha1 is refused") {
  temp_dir dir;
  make_db(dir / "m.db", "CREATE TABLE media (fname TEXT NOT NULL PRIMARY KEY, usn INT NOT NULL, csum TEXT);"
                        "INSERT INTO media VALUES ('a.jpg', 1, 'xyz');");
  auto index = read_ankicommunity_media(dir / "m.db");
  REQUIRE_FALSE(index);
  CHECK(index.error().code == storage_errc::corrupt);
}

TEST_CASE("a collection summary reads col and counts notes and cards, writing nothing") {
  temp_dir dir;
  const auto file = dir / "c.anki2";
  make_db(file, "CREATE TABLE col (id, crt, mod, scm, ver, dty, usn);"
                "INSERT INTO col VALUES (1, 0, 1600000000123, 1600000000456, 11, 0, 9);"
                "CREATE TABLE notes (id); INSERT INTO notes VALUES (1), (2);"
                "CREATE TABLE cards (id); INSERT INTO cards VALUES (1), (2), (3);");
  const auto before = std::filesystem::last_write_time(file);
  auto summary = read_collection_summary(file);
  REQUIRE(summary);
  CHECK(summary->ver == 11);
  CHECK(summary->usn == 9);
  CHECK(summary->mod == 1600000000123);
  CHECK(summary->scm == 1600000000456);
  CHECK(summary->notes == 2);
  CHECK(summary->cards == 3);
  CHECK(std::filesystem::last_write_time(file) == before);
}

TEST_CASE("settling a copy applies its -wal and leaves a file readable alone") {
  temp_dir dir;
  const auto file = dir / "w.db";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                           "CREATE TABLE auth (username, hash); INSERT INTO auth VALUES ('u', 'h');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  // A copy taken while the writer is still open: the row is only in -wal.
  std::filesystem::create_directory(dir / "copy");
  std::filesystem::copy_file(file, dir / "copy" / "w.db");
  std::filesystem::copy_file(dir / "w.db-wal", dir / "copy" / "w.db-wal");
  sqlite3_close(db);

  REQUIRE(settle_sqlite_copy(dir / "copy" / "w.db"));
  CHECK_FALSE(std::filesystem::exists(dir / "copy" / "w.db-wal"));
  auto accounts = read_ankicommunity_auth(dir / "copy" / "w.db");
  REQUIRE(accounts);
  CHECK(accounts->size() == 1);
}
