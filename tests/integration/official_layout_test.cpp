// Switching from the official server by pointing ankisync at its data
// folder: media kept by name is taken over without losing a file, a kill
// at any step of that leaves nothing lost, `ankisync migrate` moves it
// (and back) with the server stopped, and files nobody names stay.

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <csignal>
#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "protocol/meta.hpp"
#include "tests/integration/media_support.hpp"
#include "tests/integration/sync_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;

namespace {

void exec_sql(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO("sqlite: " << (err ? err : "") << " in " << sql);
  sqlite3_free(err);
  REQUIRE(rc == SQLITE_OK);
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// Every regular file under `folder`: relative path -> bytes.
std::map<std::string, std::string> tree(const fs::path& folder) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(folder, ec))
    return out;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file())
      out[fs::relative(e.path(), folder).string()] = read_file(e.path());
  return out;
}

const std::string nfc_name = "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5.jpg"; // été 日.jpg (NFC)

// Media as the official server leaves it in a user's folder: its media.db
// (schema 4, written here from the format, not by ankisync) and each file
// by name in media/, with a deletion record and files nobody names.
struct official_media {
  std::map<std::string, std::string> live = {
      {"v11 space name.mp3", "ID3 a sound"},
      {nfc_name, std::string("\xff\xd8 a picture\0with a nul", 22)},
      {"paste-0123.png", "\x89PNG not really"}};
  std::int64_t last_usn = 7;

  std::map<std::string, std::string> strangers() const {
    return {{"stray.png", "referenced by nobody"},
            {".DS_Store", "Finder's"},
            {".tmpa1B2c3", "half of a file the other server was writ"}};
  }

  void lay_out(const fs::path& user) const {
    fs::create_directories(user / "media");
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((user / "media.db").c_str(), &db) == SQLITE_OK);
    exec_sql(db, "CREATE TABLE media (fname text NOT NULL PRIMARY KEY, csum blob NOT NULL, "
                 "size int NOT NULL, usn int NOT NULL, mtime int NOT NULL);"
                 "CREATE INDEX ix_usn ON media (usn);"
                 "CREATE TABLE meta (last_usn int NOT NULL, total_bytes int NOT NULL, "
                 "total_nonempty_files int NOT NULL);"
                 "PRAGMA user_version = 4; PRAGMA journal_mode = WAL;");
    std::int64_t usn = 0, bytes = 0;
    for (const auto& [name, content] : live) {
      write_file(user / "media" / name, content);
      exec_sql(db, "INSERT INTO media VALUES ('" + name + "', X'" + client::sha1_hex_of(content) +
                       "', " + std::to_string(content.size()) + ", " + std::to_string(++usn) +
                       ", 1700000000)");
      bytes += static_cast<std::int64_t>(content.size());
    }
    exec_sql(db, "INSERT INTO media VALUES ('gone.ogg', X'" + client::sha1_hex_of("gone") +
                     "', 0, " + std::to_string(last_usn) + ", 1700000001)");
    exec_sql(db, "INSERT INTO meta VALUES (" + std::to_string(last_usn) + ", " +
                     std::to_string(bytes) + ", " + std::to_string(live.size()) + ")");
    sqlite3_close(db);
    for (const auto& [name, content] : strangers())
      write_file(user / "media" / name, content);
  }

  // The strangers are still in media/, byte for byte.
  void check_strangers(const fs::path& user) const {
    auto now = tree(user / "media");
    for (const auto& [name, content] : strangers()) {
      INFO(name);
      CHECK(now[name] == content);
    }
  }
};

// Leaves a committed change in the collection's WAL, unmerged, as a
// server that was killed (or never checkpointed) does.
void leave_change_in_wal(const fs::path& collection, std::int64_t mod) {
  temp_folder scratch;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(collection.c_str(), &db) == SQLITE_OK);
  exec_sql(db, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;");
  exec_sql(db, "UPDATE col SET mod = " + std::to_string(mod));
  // Copied while the connection is open: its close would merge the WAL.
  fs::copy_file(collection, scratch.path() / "col");
  fs::copy_file(collection.string() + "-wal", scratch.path() / "wal");
  sqlite3_close(db);
  fs::copy_file(scratch.path() / "col", collection, fs::copy_options::overwrite_existing);
  fs::copy_file(scratch.path() / "wal", collection.string() + "-wal",
                fs::copy_options::overwrite_existing);
  REQUIRE(fs::file_size(collection.string() + "-wal") > 0);
}

protocol::meta_response meta_of(server_process& server) {
  auto c = server.sync_client();
  auto r = c.call("meta", protocol::encode_meta_request({11, "switching"}), user_pass_host_key);
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  auto meta = protocol::decode_meta_response(r->body);
  REQUIRE(meta.has_value());
  return *meta;
}

// A new device downloads the user's media; returns its files.
std::map<std::string, std::string> download_all(sync_fixture& fx, const std::string& device,
                                                const official_media& m) {
  auto d = fx.fresh_device(device);
  auto c = media_client(fx.server(), media_envelope::v11);
  auto r = d.media_sync(c, meta_of(fx.server()).media_usn);
  INFO((r ? std::string("ok") : client::describe(r.error())));
  REQUIRE(r.has_value());
  CHECK(r->downloaded == m.live.size());
  CHECK(r->last_usn == m.last_usn);
  return files_of(d);
}

// The user's folder in the fixture's data folder, laid out afresh.
fs::path fresh_official_user(sync_fixture& fx, const official_media& m) {
  const auto user = fx.server().data_dir() / sync_user;
  for (const char* sub : {"media", "media-store", ".media-stage"})
    fs::remove_all(user / sub);
  for (const char* file : {"media.db", "media.db-wal", "media.db-shm"})
    fs::remove(user / file);
  m.lay_out(user);
  return user;
}

// Runs `ankisync migrate` under strace, killed with SIGKILL as it enters
// the `n`th call of `syscall`. True when the kill happened (false: the
// command finished before its `n`th such call).
bool migrate_killed_at(const fs::path& data_dir, const std::string& syscall, int n) {
  temp_folder logs;
  const std::vector<std::string> argv{
      "/usr/bin/strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + syscall,
      "-e", "inject=" + syscall + ":signal=KILL:when=" + std::to_string(n),
      binary_path(), "migrate", "--data", data_dir.string()};
  // LeakSanitizer cannot work under ptrace and fails the run it ends; the
  // other tests look for leaks in this command.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const child::env_list env{
      {"ASAN_OPTIONS", std::string(asan ? asan : "") + ":detect_leaks=0"}};
  const pid_t pid = child::spawn(argv, child::server_free_environment(env), logs.path() / "out",
                                 logs.path() / "err");
  auto status = child::wait_for(pid, std::chrono::seconds(60));
  REQUIRE(status.has_value());
  INFO("strace: " << read_file(logs.path() / "err") << read_file(logs.path() / "out"));
  // strace ends the way its tracee did: by SIGKILL when it was killed.
  if (status->exited && status->code == 0)
    return false;
  REQUIRE_FALSE(status->exited);
  REQUIRE(status->signal == SIGKILL);
  return true;
}

} // namespace

TEST_CASE("the official server's data folder is served without losing a file",
          "[media][official]") {
  official_media m;
  sync_fixture fx(seeding::never);
  meta_of(fx.server()); // the server makes the user's collection
  REQUIRE(fx.server().stop().clean());
  const auto user = fresh_official_user(fx, m);
  const std::int64_t wal_mod = 1'760'000'000'123;
  leave_change_in_wal(fx.server_file(), wal_mod);
  fx.server().start();

  const auto meta = meta_of(fx.server());
  CHECK(meta.mod == wal_mod); // the WAL the other server left was read
  CHECK(meta.media_usn == m.last_usn);

  CHECK(download_all(fx, "phone", m) == m.live);
  m.check_strangers(user);
  const auto log = fx.server().stderr_text();
  CHECK(log.find("unreferenced") == std::string::npos);
  CHECK(log.find("media file missing") == std::string::npos);

  // After a restart, a second device gets the same, and the strangers stay.
  REQUIRE(fx.server().stop().clean());
  fx.server().start();
  CHECK(download_all(fx, "laptop", m) == m.live);
  m.check_strangers(user);
}

TEST_CASE("a kill -9 at any step of taking over media by name loses nothing",
          "[media][official][crash]") {
  REQUIRE(fs::exists("/usr/bin/strace")); // tools/install-deps.sh installs it
  official_media m;
  sync_fixture fx(seeding::never);
  REQUIRE(fx.server().stop().clean());
  int kills = 0;
  // rename: each file's move; fdatasync: each file flushed and SQLite's
  // commits; fsync: the folders before the layout is recorded.
  // (rename is renameat on architectures without the older call.)
  for (const std::string syscall : {"rename,renameat,renameat2", "fdatasync", "fsync"}) {
    for (int n = 1;; ++n) {
      INFO(syscall << " #" << n);
      const auto user = fresh_official_user(fx, m);
      if (!migrate_killed_at(fx.server().data_dir(), syscall, n))
        break;
      ++kills;
      // The restarted server finishes what the killed migration began.
      fx.server().start();
      CHECK(download_all(fx, "device-" + std::to_string(kills), m) == m.live);
      m.check_strangers(user);
      REQUIRE(fx.server().stop().clean());
    }
  }
  // 3 files moved, flushed, 2 folders synced, SQLite's own syncs.
  CHECK(kills >= 8);
}

TEST_CASE("ankisync migrate moves media into the store and back to the official layout",
          "[media][official]") {
  official_media m;
  sync_fixture fx(seeding::never);
  REQUIRE(fx.server().stop().clean());
  const auto user = fresh_official_user(fx, m);
  const auto original = tree(user / "media");
  const auto original_db = read_file(user / "media.db");

  // A dry run says what would move and changes nothing.
  auto dry = fx.server().cli({"migrate", "--dry-run"});
  INFO(dry.out << dry.err);
  REQUIRE(dry.status.clean());
  CHECK(dry.out.find("would move 3 of 3 files") != std::string::npos);
  CHECK(tree(user / "media") == original);
  CHECK(read_file(user / "media.db") == original_db);
  CHECK_FALSE(fs::exists(user / "media-store"));

  auto into = fx.server().cli({"migrate"});
  INFO(into.out << into.err);
  REQUIRE(into.status.clean());
  CHECK(into.out.find("moved 3 of 3 files") != std::string::npos);
  CHECK(tree(user / "media-store").size() == 3);
  m.check_strangers(user);

  // A running server holds the data folder: migrating under it is refused.
  fx.server().start();
  CHECK(download_all(fx, "phone", m) == m.live);
  auto busy = fx.server().cli({"migrate", "--to-official"});
  CHECK(busy.status.exited);
  CHECK(busy.status.code == 1);
  CHECK(busy.err.find("stop the server first") != std::string::npos);
  REQUIRE(fx.server().stop().clean());

  auto back = fx.server().cli({"migrate", "--to-official"});
  INFO(back.out << back.err);
  REQUIRE(back.status.clean());
  CHECK(tree(user / "media") == original);
  CHECK_FALSE(fs::exists(user / "media-store"));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((user / "media.db").c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'ankisync%'",
                             -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(sqlite3_column_int(stmt, 0) == 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  // Pointed at it again, ankisync takes it over again.
  fx.server().start();
  CHECK(download_all(fx, "laptop", m) == m.live);
}

TEST_CASE("a second server on the same data folder refuses to start", "[official]") {
  sync_fixture fx(seeding::never);
  auto second = run_ankisync({"serve", "--data", fx.server().data_dir().string(), "--port", "0",
                              "--no-admin"},
                             {{"SYNC_USER1", "user:pass"}}, std::chrono::seconds(10));
  CHECK(second.status.exited);
  CHECK(second.status.code == 1);
  CHECK(second.err.find("in use by another ankisync process") != std::string::npos);
}

TEST_CASE("without SYNC_BASE, a start says when the official server's folder exists",
          "[official]") {
  temp_folder home;
  auto quiet = run_ankisync({"serve", "--dump-config"}, {{"HOME", home.path().string()}});
  REQUIRE(quiet.status.clean());
  CHECK(quiet.err.find(".syncserver") == std::string::npos);

  fs::create_directories(home.path() / ".syncserver");
  const auto official = (home.path() / ".syncserver").string();
  auto told = run_ankisync({"serve", "--dump-config"}, {{"HOME", home.path().string()}});
  REQUIRE(told.status.clean());
  CHECK(told.err.find("set SYNC_BASE=" + official) != std::string::npos);

  auto chosen = run_ankisync({"serve", "--dump-config"},
                             {{"HOME", home.path().string()}, {"SYNC_BASE", official}});
  REQUIRE(chosen.status.clean());
  CHECK(chosen.err.find("set SYNC_BASE") == std::string::npos);
}
