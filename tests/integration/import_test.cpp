// `ankisync import --from ankicommunity`: a folder laid out as
// ankicommunity's anki-sync-server (ankisyncd) leaves it is made here, the
// real binary imports it, and the real server then serves the user to a
// device that had synced with the old server.

#include <catch2/catch.hpp>

#include <openssl/sha.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>

#include "protocol/meta.hpp"
#include "storage/schema_downgrade.hpp"
#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;

namespace {

constexpr const char* old_user = "alice";
constexpr const char* old_password = "old-pass";
constexpr const char* old_salt = "0123456789abcdef";
// A key ankisyncd handed a device (hex of 16 random bytes there).
constexpr const char* old_host_key = "5f1d0c9e8b7a69584736251403f2e1d0";
// "café.png", NFC.
const std::string nfc_name = "caf\xC3\xA9.png";
constexpr std::int64_t old_media_usn = 5;

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

std::string sha1_hex(const std::string& bytes) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), d);
  return hex(d, sizeof d);
}

// auth.db's formula: hex(sha256(username + password + salt)) + salt.
std::string ankisyncd_hash(const std::string& user, const std::string& password,
                           const std::string& salt) {
  const std::string input = user + password + salt;
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), d);
  return hex(d, sizeof d) + salt;
}

void exec(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) throw std::runtime_error("open " + file.string());
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(message + " in " + sql);
}

// Rows of a query as "a|b|c" lines, through a connection of our own that
// waits for the server's locks (users.db is in WAL mode and in use).
std::vector<std::string> rows(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::vector<std::string> out;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string line;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      if (i) line += "|";
      auto* t = sqlite3_column_text(stmt, i);
      line += t ? reinterpret_cast<const char*>(t) : "NULL";
    }
    out.push_back(line);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

void write_file(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out << bytes;
}

// Every file under `root` with its bytes: equal snapshots mean nothing was
// added, removed or changed.
std::map<std::string, std::string> folder_snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const auto rel = fs::relative(e.path(), root).string();
    if (e.is_directory()) {
      files[rel + "/"] = "";
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    files[rel] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return files;
}

std::int64_t meta_media_usn(const server_process& server, const std::string& key) {
  auto c = server.sync_client();
  auto r = c.call("meta", protocol::encode_meta_request({11, "import-test"}), key);
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  auto meta = protocol::decode_meta_response(r->body);
  REQUIRE(meta.has_value());
  return meta->media_usn;
}

// The old server's world: a device that synced with it (two notes), and
// ankisyncd's data folder holding the same collection (schema 11), media,
// auth.db and session.db. An ankisync server stands in for the old one
// only to bring the device and the collection into the synced state a
// real sync leaves.
struct old_server_world {
  sync_fixture old;
  client::device phone = old.seeded_device("phone");
  fs::path source = old.folder() / "ankisyncd";
  std::map<std::string, std::string> media = {{"a.jpg", "AAA jpeg bytes"},
                                              {nfc_name, "png bytes \x01\x02"}};

  old_server_world() {
    REQUIRE(phone.add_note({"front 1", "back 1"}));
    REQUIRE(phone.add_note({"front 2", "back 2"}));
    auto c = old.connect();
    auto synced = phone.sync(c);
    INFO(text(synced));
    REQUIRE(is(synced, client::sync_outcome_kind::normal_sync_done));
    REQUIRE(old.server().stop().clean());

    const auto user = source / old_user;
    fs::create_directories(user / "collection.media");
    // ankisyncd kept collections at schema 11, as Anki 2.1's Python did.
    REQUIRE(storage::write_schema11_copy(old.server_file(), user / "collection.anki2"));

    for (const auto& [name, bytes] : media) write_file(user / "collection.media" / name, bytes);
    // A file whose bytes no longer match the database, and one it never listed.
    write_file(user / "collection.media" / "bad.gif", "changed on disk");
    write_file(user / "collection.media" / "stray.txt", "never synced");
    exec(user / "collection.media.server.db",
         "CREATE TABLE media (fname TEXT NOT NULL PRIMARY KEY, usn INT NOT NULL, csum TEXT);"
         "CREATE INDEX idx_media_usn ON media (usn);"
         "INSERT INTO media VALUES ('a.jpg', 1, '" + sha1_hex(media["a.jpg"]) + "');"
         "INSERT INTO media VALUES ('" + nfc_name + "', 2, '" + sha1_hex(media[nfc_name]) + "');"
         "INSERT INTO media VALUES ('gone.mp3', 3, NULL);"
         "INSERT INTO media VALUES ('bad.gif', 4, '" + sha1_hex("original gif") + "');"
         "CREATE TABLE meta (dirMod int, usn int); INSERT INTO meta VALUES (0, " +
             std::to_string(old_media_usn) + ");");
    exec(source / "auth.db",
         "CREATE TABLE auth (username VARCHAR PRIMARY KEY, hash VARCHAR);"
         "INSERT INTO auth VALUES ('" + std::string(old_user) + "', '" +
             ankisyncd_hash(old_user, old_password, old_salt) + "');");
    exec(source / "session.db",
         "CREATE TABLE session (hkey VARCHAR PRIMARY KEY, skey VARCHAR, username VARCHAR, path VARCHAR);"
         "INSERT INTO session VALUES ('" + std::string(old_host_key) + "', 'sk', '" + old_user +
             "', '/srv/ankisyncd/alice');");
    phone.set_host_key(old_host_key);
  }
};

// A stopped ankisync server with the old world imported into its data folder.
struct imported_world : old_server_world {
  server_process server;
  std::map<std::string, std::string> source_before;
  command_result imported;

  imported_world() {
    REQUIRE(server.stop().clean());
    source_before = folder_snapshot(source);
    imported = server.cli({"import", "--from", "ankicommunity", source.string()});
    INFO(imported.out << imported.err);
    REQUIRE(imported.status.clean());
  }
};

} // namespace

TEST_CASE("a dry run reports the user and writes nothing anywhere") {
  old_server_world world;
  server_process server;
  REQUIRE(server.stop().clean());
  const auto data_before = folder_snapshot(server.data_dir());
  const auto source_before = folder_snapshot(world.source);

  auto r = server.cli({"import", "--from", "ankicommunity", world.source.string(), "--dry-run"});
  INFO(r.out << r.err);
  CHECK(r.status.clean());
  CHECK(r.out.find("alice: would be imported") != std::string::npos);
  CHECK(r.out.find("2 notes") != std::string::npos);
  CHECK(r.out.find("skipped: bad.gif") != std::string::npos);
  CHECK(folder_snapshot(server.data_dir()) == data_before);
  CHECK(folder_snapshot(world.source) == source_before);
}

TEST_CASE("an imported ankicommunity user keeps password, device key, usns and the source") {
  imported_world w;
  const auto& out = w.imported.out;
  INFO(out);
  CHECK(out.find("alice: imported") != std::string::npos);
  CHECK(out.find("2 notes, 2 cards") != std::string::npos);
  CHECK(out.find("skipped: bad.gif (") != std::string::npos);
  CHECK(out.find("skipped: stray.txt (") != std::string::npos);
  CHECK(out.find("device keys: 1") != std::string::npos);
  // Nothing in the source folder changed.
  CHECK(folder_snapshot(w.source) == w.source_before);

  // media.db in upstream's layout with the old usns; the mismatching file
  // is left out, the deletion kept.
  const auto media_db = w.server.data_dir() / old_user / "media.db";
  CHECK(rows(media_db, "SELECT fname, usn, size, length(csum) FROM media ORDER BY usn") ==
        std::vector<std::string>{"a.jpg|1|14|20", nfc_name + "|2|12|20", "gone.mp3|3|0|20"});
  CHECK(rows(media_db, "SELECT lower(hex(csum)) FROM media WHERE fname = 'a.jpg'") ==
        std::vector<std::string>{sha1_hex(w.media["a.jpg"])});
  CHECK(rows(media_db, "SELECT last_usn, total_bytes, total_nonempty_files FROM meta") ==
        std::vector<std::string>{std::to_string(old_media_usn) + "|26|2"});
  CHECK(rows(media_db, "PRAGMA user_version") == std::vector<std::string>{"4"});

  // A second run never overwrites.
  auto again = w.server.cli({"import", "--from", "ankicommunity", w.source.string()});
  CHECK(again.status.exited);
  CHECK(again.status.code == 1);
  CHECK(again.out.find("alice: FAILED: already an ankisync user with data") != std::string::npos);

  w.server.start();
  SECTION("the device syncs normally with the old key at the old usn") {
    auto c = w.server.sync_client();
    auto first = w.phone.sync(c);
    INFO(text(first));
    REQUIRE(first.has_value());
    CHECK(first->kind != client::sync_outcome_kind::full_sync_required);
    CHECK(first->server_media_usn == old_media_usn);
    CHECK(meta_media_usn(w.server, old_host_key) == old_media_usn);

    REQUIRE(w.phone.add_note({"front 3", "back 3"}));
    auto second = w.phone.sync(c);
    INFO(text(second));
    CHECK(is(second, client::sync_outcome_kind::normal_sync_done));
  }
  SECTION("the old password logs in once and is then stored as PBKDF2") {
    const auto users_db = w.server.data_dir() / "users.db";
    const std::string hash_sql = "SELECT password_hash FROM users WHERE name = 'alice'";
    REQUIRE(rows(users_db, hash_sql).size() == 1);
    CHECK(rows(users_db, hash_sql)[0].starts_with("$ankisyncd-sha256$"));

    auto c = w.server.sync_client();
    auto wrong = c.login(old_user, "not it");
    REQUIRE(wrong.has_value());
    CHECK(wrong->status == 403);
    auto good = c.login(old_user, old_password);
    REQUIRE(good.has_value());
    CHECK(good->ok());
    CHECK(rows(users_db, hash_sql)[0].starts_with("$pbkdf2-sha256$"));
    auto again_good = c.login(old_user, old_password);
    REQUIRE(again_good.has_value());
    CHECK(again_good->ok());
    // The new key works beside the imported one.
    CHECK(meta_media_usn(w.server, good->host_key) == old_media_usn);
  }
}

// The import writes upstream's media layout (files by name in
// <user>/media/); the server takes it over at its first media open.
TEST_CASE("a device downloads every imported media file byte for byte", "[import][media]") {
  imported_world w;
  w.server.start();
  auto c = w.server.sync_client();
  auto r = w.phone.media_sync(c);
  INFO((r ? std::string("ok") : client::describe(r.error())));
  REQUIRE(r.has_value());
  CHECK(r->server_usn == old_media_usn);
  CHECK(r->downloaded == 2);
  auto files = w.phone.media_files();
  REQUIRE(files);
  CHECK(*files == w.media);
}

TEST_CASE("a user whose collection cannot be converted fails alone and leaves no trace") {
  temp_folder temp;
  const auto source = temp.path() / "ankisyncd";
  fs::create_directories(source / "alice");
  fs::create_directories(source / "bob");
  write_file(source / "alice" / "collection.anki2", "not an SQLite file at all");
  exec(source / "auth.db",
       "CREATE TABLE auth (username VARCHAR PRIMARY KEY, hash VARCHAR);"
       "INSERT INTO auth VALUES ('alice', '" + ankisyncd_hash("alice", "a", old_salt) + "');"
       "INSERT INTO auth VALUES ('bob', '" + ankisyncd_hash("bob", "b", old_salt) + "');");
  server_process server;
  REQUIRE(server.stop().clean());

  auto r = server.cli({"import", "--from", "ankicommunity", source.string()});
  INFO(r.out << r.err);
  CHECK(r.status.exited);
  CHECK(r.status.code == 1);
  CHECK(r.out.find("alice: FAILED: collection:") != std::string::npos);
  CHECK(r.out.find("bob: imported") != std::string::npos);
  CHECK_FALSE(fs::exists(server.data_dir() / "alice"));
  CHECK(fs::is_directory(server.data_dir() / "bob"));
  const auto users_db = server.data_dir() / "users.db";
  CHECK(rows(users_db, "SELECT name FROM users WHERE name IN ('alice', 'bob')") ==
        std::vector<std::string>{"bob"});
  // The work folder is gone with the run.
  for (const auto& e : fs::directory_iterator(server.data_dir()))
    CHECK_FALSE(e.path().filename().string().starts_with(".import"));
}
