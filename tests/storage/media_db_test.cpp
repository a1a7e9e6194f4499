#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "storage/media_db.hpp"
#include "storage/media_store.hpp"
#include "sha1_of.hpp"
#include "temp_dir.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::sha1_of;
using ankisync::storage::test::temp_dir;

namespace {

constexpr std::int64_t now = 1'700'000'000;

std::size_t count_entries(const std::filesystem::path& folder) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(folder),
                                                std::filesystem::directory_iterator()));
}

media_db open_db(const std::filesystem::path& file) {
  auto db = media_db::open(file);
  if (!db) FAIL("open failed: " << db.error().message);
  return std::move(*db);
}

// A user's media as the server keeps it: media.db plus the content store.
struct media_fixture {
  temp_dir dir;
  media_store store{dir / "media", dir / "stage"};
  media_db db = open_db(dir / "media.db");
  int staged_count = 0;

  media_fixture() { REQUIRE(store.prepare()); }

  // An upload entry whose content sits complete in the stage folder.
  media_upload_change add(const std::string& fname, std::string_view bytes) {
    auto staged = store.stage_folder() / ("entry-" + std::to_string(++staged_count));
    std::ofstream(staged, std::ios::binary) << bytes;
    return {fname, false, sha1_of(bytes), static_cast<std::int64_t>(bytes.size()), staged};
  }

  static media_upload_change remove(const std::string& fname) { return {fname, true, {}, 0, {}}; }

  media_upload_outcome upload(const std::vector<media_upload_change>& changes) {
    auto out = db.apply_upload(changes, store, now);
    if (!out) FAIL("upload failed: " << out.error().message);
    return *out;
  }

  media_totals totals() {
    auto t = db.totals();
    if (!t) FAIL("totals failed: " << t.error().message);
    return *t;
  }

  std::vector<media_change_row> changes(std::int64_t after, std::size_t limit = 1000) {
    auto rows = db.changes_since(after, limit);
    if (!rows) FAIL("changes failed: " << rows.error().message);
    return *rows;
  }

  std::optional<media_live_file> live(const std::string& fname) {
    auto f = db.live_file(fname);
    if (!f) FAIL("live_file failed: " << f.error().message);
    return *f;
  }

  static std::string read_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  bool stored(std::string_view bytes) const {
    return std::filesystem::exists(store.path_of(sha1_of(bytes)));
  }
};

std::int64_t query_int(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  auto value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

void exec(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  std::string text = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(text == "");
  REQUIRE(rc == SQLITE_OK);
}

} // namespace

TEST_CASE("a new media database is empty at usn 0", "[media][media_db]") {
  media_fixture f;
  auto t = f.totals();
  CHECK(t.last_usn == 0);
  CHECK(t.total_bytes == 0);
  CHECK(t.total_nonempty_files == 0);
  CHECK(f.changes(0).empty());
  CHECK_FALSE(f.live("a.jpg"));
  CHECK(query_int(f.dir / "media.db", "PRAGMA user_version") == 4);
}

TEST_CASE("an add and an unknown delete count both, bump usn once, deleting bumps again",
          "[media][media_db]") {
  media_fixture f;
  auto first = f.upload({f.add("a", "abc"), media_fixture::remove("zz")});
  CHECK(first.processed == 2);
  CHECK(first.last_usn == 1);
  auto rows = f.changes(0);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fname == "a");
  CHECK(rows[0].usn == 1);
  CHECK(rows[0].sha1_raw == sha1_of("abc"));
  CHECK(f.totals().total_nonempty_files == 1);
  CHECK(f.totals().total_bytes == 3);
  CHECK(f.stored("abc"));
  CHECK(count_entries(f.store.stage_folder()) == 0);

  auto second = f.upload({media_fixture::remove("a")});
  CHECK(second.processed == 1);
  CHECK(second.last_usn == 2);
  rows = f.changes(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fname == "a");
  CHECK(rows[0].usn == 2);
  CHECK(rows[0].sha1_raw.empty());
  CHECK(f.totals().total_nonempty_files == 0);
  CHECK(f.totals().total_bytes == 0);
  CHECK_FALSE(f.live("a"));
  CHECK_FALSE(f.stored("abc"));
}

TEST_CASE("re-adding identical content changes nothing and leaves no staged file",
          "[media][media_db]") {
  media_fixture f;
  f.upload({f.add("a", "abc")});
  auto again = f.upload({f.add("a", "abc")});
  CHECK(again.processed == 1);
  CHECK(again.last_usn == 1);
  CHECK(f.changes(0).size() == 1);
  CHECK(f.totals().total_nonempty_files == 1);
  CHECK(f.totals().total_bytes == 3);
  CHECK(count_entries(f.store.stage_folder()) == 0);
  CHECK(f.stored("abc"));
}

TEST_CASE("deleting a name twice bumps usn only once", "[media][media_db]") {
  media_fixture f;
  f.upload({f.add("a", "abc")});
  f.upload({media_fixture::remove("a")});
  auto again = f.upload({media_fixture::remove("a")});
  CHECK(again.processed == 1);
  CHECK(again.last_usn == 2);
}

TEST_CASE("replacing a file updates its row and drops the old content", "[media][media_db]") {
  media_fixture f;
  f.upload({f.add("a", "old bytes")});
  auto out = f.upload({f.add("a", "new")});
  CHECK(out.last_usn == 2);
  auto live = f.live("a");
  REQUIRE(live);
  CHECK(live->sha1_raw == sha1_of("new"));
  CHECK(live->size == 3);
  auto rows = f.changes(0);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].usn == 2);
  CHECK(f.totals().total_bytes == 3);
  CHECK(f.totals().total_nonempty_files == 1);
  CHECK(f.stored("new"));
  CHECK_FALSE(f.stored("old bytes"));
}

TEST_CASE("content shared by two names stays until neither uses it", "[media][media_db]") {
  media_fixture f;
  f.upload({f.add("a.jpg", "shared"), f.add("b.jpg", "shared")});
  CHECK(count_entries(f.store.folder()) == 1);
  CHECK(count_entries(f.store.stage_folder()) == 0);
  CHECK(f.totals().total_bytes == 12);
  CHECK(f.totals().total_nonempty_files == 2);

  f.upload({media_fixture::remove("a.jpg")});
  CHECK(f.stored("shared"));
  CHECK(f.live("b.jpg"));

  f.upload({media_fixture::remove("b.jpg")});
  CHECK_FALSE(f.stored("shared"));
  CHECK(f.totals().last_usn == 4);
}

TEST_CASE("re-adding a deleted name revives it with a new usn", "[media][media_db]") {
  media_fixture f;
  f.upload({f.add("a", "one")});
  f.upload({media_fixture::remove("a")});
  auto out = f.upload({f.add("a", "one")});
  CHECK(out.last_usn == 3);
  auto live = f.live("a");
  REQUIRE(live);
  CHECK(live->sha1_raw == sha1_of("one"));
  CHECK(f.totals().total_nonempty_files == 1);
  CHECK(f.totals().total_bytes == 3);
  auto rows = f.changes(2);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].sha1_raw == sha1_of("one"));
  CHECK(f.stored("one"));
}

TEST_CASE("one name twice in an upload is applied in order", "[media][media_db]") {
  media_fixture f;
  auto out = f.upload({f.add("a", "first"), f.add("a", "second")});
  CHECK(out.processed == 2);
  CHECK(out.last_usn == 2);
  CHECK(f.live("a")->sha1_raw == sha1_of("second"));
  CHECK(f.totals().total_bytes == 6);
  CHECK(f.totals().total_nonempty_files == 1);
  CHECK_FALSE(f.stored("first"));
  CHECK(f.stored("second"));
}

TEST_CASE("changes come in pages of the limit, ascending by usn", "[media][media_db]") {
  media_fixture f;
  std::vector<media_upload_change> changes;
  for (int i = 0; i < 1500; ++i) changes.push_back(f.add("f" + std::to_string(i), std::to_string(i)));
  CHECK(f.upload(changes).last_usn == 1500);

  auto first = f.changes(0);
  REQUIRE(first.size() == 1000);
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(first[i].usn == static_cast<std::int64_t>(i + 1));
  auto second = f.changes(first.back().usn);
  REQUIRE(second.size() == 500);
  CHECK(second.front().usn == 1001);
  CHECK(second.back().usn == 1500);
  CHECK(f.changes(second.back().usn).empty());
  CHECK(f.changes(99999).empty());
}

TEST_CASE("a bad entry refuses the whole upload and changes nothing", "[media][media_db]") {
  media_fixture f;
  f.upload({f.add("kept", "kept")});
  auto good = f.add("a", "abc");
  auto bad = f.add("b", "bytes");
  bad.sha1_raw = "short";

  auto out = f.db.apply_upload({good, bad}, f.store, now);
  REQUIRE_FALSE(out);
  CHECK(out.error().code == storage_errc::invalid);
  CHECK(f.totals().last_usn == 1);
  CHECK(f.totals().total_nonempty_files == 1);
  CHECK_FALSE(f.live("a"));
  CHECK(count_entries(f.store.stage_folder()) == 0);
  CHECK(count_entries(f.store.folder()) == 1);
}

TEST_CASE("a failure midway rolls the database back and clears the stage", "[media][media_db]") {
  media_fixture f;
  auto first = f.add("a", "abc");
  auto lost = f.add("b", "bytes");
  std::filesystem::remove(lost.staged); // cannot be adopted
  auto third = f.add("c", "third");

  auto out = f.db.apply_upload({first, lost, third}, f.store, now);
  REQUIRE_FALSE(out);
  CHECK(out.error().code == storage_errc::io);
  CHECK(f.totals().last_usn == 0);
  CHECK(f.totals().total_nonempty_files == 0);
  CHECK(f.changes(0).empty());
  CHECK(count_entries(f.store.stage_folder()) == 0);

  // What the first entry left in the store is unreferenced: cleanable.
  auto removed = f.db.remove_unreferenced(f.store);
  REQUIRE(removed);
  CHECK(removed->removed == 1);
  CHECK(count_entries(f.store.folder()) == 0);
}

TEST_CASE("forgetting a file drops its row without a usn or a deletion record",
          "[media][media_db]") {
  media_fixture f;
  f.upload({f.add("a", "abc"), f.add("b", "bb")});
  REQUIRE(f.db.forget("a"));
  CHECK_FALSE(f.live("a"));
  CHECK(f.totals().last_usn == 2);
  CHECK(f.totals().total_nonempty_files == 1);
  CHECK(f.totals().total_bytes == 2);
  auto rows = f.changes(0);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fname == "b");
  CHECK(f.db.forget("a")); // nothing left to forget
  CHECK(f.totals().total_nonempty_files == 1);
}

TEST_CASE("only unreferenced contents the store wrote are removed; other files are left alone",
          "[media][media_db]") {
  media_fixture f;
  f.upload({f.add("a", "abc")});
  std::ofstream(f.store.folder() / "stray.tmp") << "x";
  std::ofstream(f.store.folder() / ".DS_Store") << "finder";
  std::ofstream(f.store.path_of(sha1_of("orphan"))) << "orphan";
  // Not a name the store writes (upper case), even though it is a SHA-1.
  std::ofstream(f.store.folder() / "A9993E364706816ABA3E25717850C26C9CD0D89D") << "abc";
  std::filesystem::create_directory(f.store.path_of(sha1_of("a folder")));

  auto removed = f.db.remove_unreferenced(f.store);
  REQUIRE(removed);
  CHECK(removed->removed == 1);
  CHECK(removed->left_alone == 4);
  CHECK_FALSE(std::filesystem::exists(f.store.path_of(sha1_of("orphan"))));
  CHECK(count_entries(f.store.folder()) == 5);
  CHECK(f.stored("abc"));
}

TEST_CASE("a reopened media database keeps its rows and totals", "[media][media_db]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  REQUIRE(store.prepare());
  {
    auto db = open_db(dir / "media.db");
    std::ofstream(dir / "stage/x", std::ios::binary) << "abc";
    REQUIRE(db.apply_upload({{"a", false, sha1_of("abc"), 3, dir / "stage/x"}}, store, now));
  }
  auto db = open_db(dir / "media.db");
  auto t = db.totals();
  REQUIRE(t);
  CHECK(t->last_usn == 1);
  CHECK(t->total_bytes == 3);
  CHECK(t->total_nonempty_files == 1);
  auto live = db.live_file("a");
  REQUIRE(live);
  REQUIRE(*live);
  CHECK((*live)->sha1_raw == sha1_of("abc"));
}

TEST_CASE("a schema 3 media database is migrated to schema 4", "[media][media_db]") {
  temp_dir dir;
  const auto file = dir / "media.db";
  exec(file, R"sql(
    CREATE TABLE media (fname text NOT NULL PRIMARY KEY, csum blob, sz int NOT NULL,
                        usn int NOT NULL, deleted int NOT NULL);
    CREATE INDEX ix_usn ON media (usn);
    CREATE TABLE meta (usn int NOT NULL, sz int NOT NULL);
    INSERT INTO meta (usn, sz) VALUES (7, 5);
    INSERT INTO media VALUES ('a.jpg', x'a9993e364706816aba3e25717850c26c9cd0d89d', 3, 2, 0);
    INSERT INTO media VALUES ('b.png', x'0000000000000000000000000000000000000001', 2, 4, 0);
    INSERT INTO media VALUES ('gone.gif', NULL, 0, 7, 1);
    PRAGMA user_version = 3;
  )sql");

  auto db = open_db(file);
  CHECK(query_int(file, "PRAGMA user_version") == 4);
  auto t = db.totals();
  REQUIRE(t);
  // Never below what schema 3 handed out, though the record at 7 is gone.
  CHECK(t->last_usn == 7);
  CHECK(t->total_bytes == 5);
  CHECK(t->total_nonempty_files == 2);
  auto rows = db.changes_since(0, 1000);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].fname == "a.jpg");
  CHECK((*rows)[0].usn == 2);
  CHECK((*rows)[0].sha1_raw == sha1_of("abc"));
  CHECK((*rows)[1].fname == "b.png");
  CHECK(query_int(file, "SELECT count(*) FROM media WHERE fname = 'gone.gif'") == 0);
  CHECK(query_int(file, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_csum'") == 1);
  CHECK(query_int(file, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_usn'") == 1);
}

TEST_CASE("a media database from a newer schema is refused", "[media][media_db]") {
  temp_dir dir;
  exec(dir / "media.db", "PRAGMA user_version = 5");
  auto db = media_db::open(dir / "media.db");
  REQUIRE_FALSE(db);
  CHECK(db.error().code == storage_errc::corrupt);
}

TEST_CASE("an upstream schema 4 media database opens as is and gains the csum index",
          "[media][media_db]") {
  temp_dir dir;
  const auto file = dir / "media.db";
  exec(file, R"sql(
    CREATE TABLE media (fname text NOT NULL PRIMARY KEY, csum blob NOT NULL, size int NOT NULL,
                        usn int NOT NULL, mtime int NOT NULL);
    CREATE INDEX ix_usn ON media (usn);
    CREATE TABLE meta (last_usn int NOT NULL, total_bytes int NOT NULL,
                       total_nonempty_files int NOT NULL);
    INSERT INTO meta VALUES (3, 3, 1);
    INSERT INTO media VALUES ('a.jpg', x'a9993e364706816aba3e25717850c26c9cd0d89d', 3, 2, 0);
    INSERT INTO media VALUES ('old.png', x'0000000000000000000000000000000000000001', 0, 3, 0);
    PRAGMA user_version = 4;
  )sql");

  auto db = open_db(file);
  CHECK(query_int(file, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_csum'") == 1);
  auto t = db.totals();
  REQUIRE(t);
  CHECK(t->last_usn == 3);
  auto rows = db.changes_since(0, 1000);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[1].fname == "old.png");
  CHECK((*rows)[1].sha1_raw.empty());
}

TEST_CASE("a file that is not a database is refused as corrupt", "[media][media_db]") {
  temp_dir dir;
  std::ofstream(dir / "media.db") << std::string(4096, 'x');
  auto db = media_db::open(dir / "media.db");
  REQUIRE_FALSE(db);
  CHECK(db.error().code == storage_errc::corrupt);
}

TEST_CASE("imported rows keep their usns, meta keeps the higher last usn and live totals",
          "[media][media_db]") {
  media_fixture f;
  std::vector<media_import_row> rows = {
      {"a.jpg", sha1_of("aaa"), 3, 2, now},
      {"gone.png", {}, 0, 5, now},
      {"b.mp3", sha1_of("bbbbb"), 5, 4, now},
  };
  auto totals = f.db.import_rows(rows, 9);
  REQUIRE(totals);
  CHECK(totals->last_usn == 9);
  CHECK(totals->total_bytes == 8);
  CHECK(totals->total_nonempty_files == 2);
  CHECK(f.totals().last_usn == 9);

  auto changes = f.changes(0);
  REQUIRE(changes.size() == 3);
  CHECK(changes[0].fname == "a.jpg");
  CHECK(changes[0].usn == 2);
  CHECK(changes[0].sha1_raw == sha1_of("aaa"));
  CHECK(changes[2].fname == "gone.png");
  CHECK(changes[2].sha1_raw.empty());
  CHECK(f.changes(4).size() == 1);
  // The deletion record still has a csum of the schema's shape.
  CHECK(query_int(f.dir / "media.db", "SELECT length(csum) FROM media WHERE fname = 'gone.png'") == 20);
  CHECK(query_int(f.dir / "media.db", "PRAGMA user_version") == 4);
}

TEST_CASE("the last usn is at least the highest imported row's", "[media][media_db]") {
  media_fixture f;
  auto totals = f.db.import_rows({{"a.jpg", sha1_of("a"), 1, 12, now}}, 3);
  REQUIRE(totals);
  CHECK(totals->last_usn == 12);
}

TEST_CASE("importing into a database with rows, or bad rows, writes nothing", "[media][media_db]") {
  media_fixture f;
  auto bad = f.db.import_rows({{"a.jpg", "short", 3, 1, now}}, 1);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == storage_errc::invalid);
  auto twice = f.db.import_rows({{"a.jpg", sha1_of("a"), 1, 1, now}, {"a.jpg", sha1_of("b"), 1, 2, now}}, 2);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == storage_errc::invalid);
  CHECK(f.changes(0).empty());
  CHECK(f.totals().last_usn == 0);

  f.upload({f.add("x.jpg", "x")});
  auto again = f.db.import_rows({{"a.jpg", sha1_of("a"), 1, 1, now}}, 1);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == storage_errc::exists);
}

TEST_CASE("a stored content no row names is replaced by the upload's; a named one is kept",
          "[media][media_db]") {
  media_fixture f;
  // What a power cut can leave: a content renamed into place, its bytes
  // never synced, its upload never committed.
  const auto path = f.store.path_of(sha1_of("whole picture"));
  std::ofstream(path, std::ios::binary) << "whole";
  f.upload({f.add("a.jpg", "whole picture")});
  CHECK(media_fixture::read_bytes(path) == "whole picture");
  CHECK(count_entries(f.store.stage_folder()) == 0);

  // Now a row names it: a second name for the same bytes keeps the file
  // (same inode) and drops the new copy.
  struct stat before {};
  REQUIRE(::stat(path.c_str(), &before) == 0);
  f.upload({f.add("b.jpg", "whole picture")});
  struct stat after {};
  REQUIRE(::stat(path.c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
  CHECK(media_fixture::read_bytes(path) == "whole picture");
  CHECK(count_entries(f.store.stage_folder()) == 0);
  CHECK(count_entries(f.store.folder()) == 1);
}
