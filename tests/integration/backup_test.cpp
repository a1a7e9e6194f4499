// Backups, restores and checks of a data folder (docs/backup.md) with the
// real binary: through the running server's actors, and on a stopped
// server's folder directly.

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using namespace std::chrono_literals;
using client::sync_outcome_kind;
namespace fs = std::filesystem;

namespace {

template <class T>
T must(client::edit_result<T> r) {
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  if constexpr (!std::is_void_v<T>)
    return std::move(*r);
}

// The first field of every note, read from a copy (the original may be
// a live collection or a backup that must stay as it is).
std::set<std::string> note_fronts(const fs::path& file, const fs::path& scratch,
                                  const char* sql = "select flds from notes") {
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    fs::remove(scratch.string() + suffix, ec);
    if (fs::exists(file.string() + suffix))
      fs::copy_file(file.string() + suffix, scratch.string() + suffix);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(scratch.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::set<std::string> out;
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string flds = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    out.insert(flds.substr(0, flds.find('\x1f')));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// What a device would see of the collection: its notes and col row.
std::set<std::string> contents(const fs::path& file, const fs::path& scratch) {
  auto out = note_fronts(file, scratch);
  out.merge(note_fronts(file, scratch, "select 'col ' || scm || ' ' || mod || ' ' || usn from col"));
  return out;
}

// `ankisync <args> --data <data>`, through the running server's admin
// endpoint when it runs.
command_result run(const server_process& server, std::vector<std::string> args) {
  if (server.running())
    args.insert(args.end(), {"--admin-port", std::to_string(server.admin_port()), "--admin-token",
                             admin_test_token});
  return server.cli(std::move(args));
}

// The one backup folder inside `dir`.
fs::path only_backup(const fs::path& dir) {
  std::vector<fs::path> found;
  for (const auto& e : fs::directory_iterator(dir))
    found.push_back(e.path());
  REQUIRE(found.size() == 1);
  return found.front();
}

bool succeeded(const command_result& r) { return r.status.exited && r.status.code == 0; }

// A device with a note of its own, synced to the server.
client::device synced_phone(sync_fixture& fx, client::sync_client& c, const std::string& front) {
  auto phone = fx.seeded_device("phone");
  must(phone.add_note({front, "back"}));
  REQUIRE(is(phone.sync(c), sync_outcome_kind::normal_sync_done));
  return phone;
}

} // namespace

TEST_CASE("a backup taken while a device syncs holds the collection before or after that sync",
          "[backup]") {
  sync_fixture fx;
  temp_folder backups;
  auto c = fx.connect();
  auto phone = synced_phone(fx, c, "before");
  must(phone.add_note({"during", "back"}));

  std::future<command_result> backup;
  client::sync_hooks hooks;
  hooks.after_reply = [&](protocol::sync_method m, int) {
    // The server holds the new note in its open transaction now.
    if (m == protocol::sync_method::apply_changes && !backup.valid()) {
      backup = std::async(std::launch::async,
                          [&] { return run(fx.server(), {"backup", backups.path().string()}); });
      std::this_thread::sleep_for(500ms); // the backup reaches the actor and waits
    }
  };
  bool waited = false;
  hooks.before_request = [&](protocol::sync_method m) {
    // Taken between sessions: still waiting while this one is open.
    if (m == protocol::sync_method::finish && backup.valid())
      waited = backup.wait_for(0s) != std::future_status::ready;
  };
  auto synced = phone.sync(c, hooks);
  INFO(text(synced));
  REQUIRE(is(synced, sync_outcome_kind::normal_sync_done));
  REQUIRE(backup.valid());
  const auto done = backup.get();
  INFO(done.out << done.err);
  REQUIRE(succeeded(done));
  CHECK(done.out.find("user ") != std::string::npos);

  const auto copy = only_backup(backups.path());
  REQUIRE(fs::exists(copy / "manifest.json"));
  const auto fronts = note_fronts(copy / sync_user / "collection.anki2", fx.folder() / "scratch");
  const std::set<std::string> before{"before"}, after{"before", "during"};
  CHECK(waited);
  CHECK((fronts == before || fronts == after));
  // The session it waited for went on undisturbed: a further sync has
  // nothing to do.
  CHECK(is(phone.sync(c), sync_outcome_kind::no_changes));
}

TEST_CASE("a restore puts the collection back and every device is asked for a full sync",
          "[backup]") {
  sync_fixture fx;
  temp_folder backups;
  auto c = fx.connect();
  auto phone = synced_phone(fx, c, "kept");
  auto backed = run(fx.server(), {"backup", backups.path().string()});
  INFO(backed.out << backed.err);
  REQUIRE(succeeded(backed));
  must(phone.add_note({"lost", "back"}));
  REQUIRE(is(phone.sync(c), sync_outcome_kind::normal_sync_done));

  auto restored = run(fx.server(), {"restore", only_backup(backups.path()).string()});
  INFO(restored.out << restored.err);
  REQUIRE(succeeded(restored));
  CHECK(note_fronts(fx.server_file(), fx.folder() / "scratch") == std::set<std::string>{"kept"});
  auto next = phone.sync(c);
  INFO(text(next));
  CHECK(is(next, sync_outcome_kind::full_sync_required));
}

TEST_CASE("a backup whose files do not match its manifest is refused and nothing changes",
          "[backup]") {
  sync_fixture fx;
  temp_folder backups;
  auto c = fx.connect();
  auto phone = synced_phone(fx, c, "one");
  REQUIRE(succeeded(run(fx.server(), {"backup", backups.path().string()})));
  must(phone.add_note({"two", "back"}));
  REQUIRE(is(phone.sync(c), sync_outcome_kind::normal_sync_done));

  const auto copy = only_backup(backups.path());
  {
    // One byte of the copied collection changed.
    std::fstream f(copy / sync_user / "collection.anki2", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5000);
    f.put('\x5a');
  }
  const auto before = contents(fx.server_file(), fx.folder() / "scratch");
  REQUIRE(before.size() == 3);
  for (bool online : {true, false}) {
    if (!online)
      fx.server().stop();
    auto restored = run(fx.server(), {"restore", copy.string()});
    INFO(restored.out << restored.err);
    CHECK_FALSE(succeeded(restored));
    CHECK(restored.err.find("does not match the manifest") != std::string::npos);
    CHECK(restored.err.find("nothing was changed") != std::string::npos);
    CHECK(contents(fx.server_file(), fx.folder() / "scratch") == before);
  }
  fx.server().start();
  auto c2 = fx.connect();
  CHECK(is(phone.sync(c2), sync_outcome_kind::no_changes));
}

TEST_CASE("check finds a truncated collection and a missing media file", "[backup]") {
  sync_fixture fx;
  auto phone = fx.seeded_device("phone");
  must(phone.add_note({"with media", "back"}));
  must(phone.add_media("a.png", "a" + noise(20000)));
  must(phone.add_media("b.png", "b" + noise(20000)));
  auto c = fx.connect();
  REQUIRE(is(phone.sync(c), sync_outcome_kind::normal_sync_done));
  REQUIRE(phone.media_sync(c).has_value());

  auto healthy = run(fx.server(), {"check"});
  INFO(healthy.out << healthy.err);
  REQUIRE(succeeded(healthy));

  fx.server().stop();
  const auto store = fx.server().data_dir() / sync_user / "media-store";
  std::vector<fs::path> stored;
  for (const auto& e : fs::directory_iterator(store))
    stored.push_back(e.path());
  REQUIRE(stored.size() == 2);
  fs::remove(stored.front());
  fs::resize_file(fx.server_file(), fs::file_size(fx.server_file()) / 2);

  auto broken = run(fx.server(), {"check"});
  INFO(broken.out << broken.err);
  CHECK_FALSE(succeeded(broken));
  CHECK(broken.out.find("1 missing") != std::string::npos);
  CHECK(broken.out.find("collection ok") == std::string::npos);
  CHECK(broken.err.find("check failed for: user") != std::string::npos);

  // The repair forgets the missing file's row; the collection stays broken.
  auto repaired = run(fx.server(), {"check", "--repair-media"});
  INFO(repaired.out << repaired.err);
  CHECK(repaired.out.find("repaired 1") != std::string::npos);
  auto again = run(fx.server(), {"check"});
  CHECK(again.out.find("0 missing") != std::string::npos);
  CHECK_FALSE(succeeded(again));
}

TEST_CASE("a backup of a stopped server's folder restores into it", "[backup]") {
  sync_fixture fx;
  temp_folder backups;
  auto phone = fx.seeded_device("phone");
  must(phone.add_note({"offline", "back"}));
  must(phone.add_media("m.png", noise(5000)));
  auto c = fx.connect();
  REQUIRE(is(phone.sync(c), sync_outcome_kind::normal_sync_done));
  REQUIRE(phone.media_sync(c).has_value());
  fx.server().stop();
  auto backed = run(fx.server(), {"backup", backups.path().string()});
  INFO(backed.out << backed.err);
  REQUIRE(succeeded(backed));
  const auto copy = only_backup(backups.path());
  CHECK(fs::exists(copy / "users.db"));
  CHECK(fs::exists(copy / sync_user / "media.db"));

  fs::remove_all(fx.server().data_dir() / sync_user);
  auto restored = run(fx.server(), {"restore", copy.string(), "--user", sync_user});
  INFO(restored.out << restored.err);
  REQUIRE(succeeded(restored));
  CHECK(note_fronts(fx.server_file(), fx.folder() / "scratch") == std::set<std::string>{"offline"});
  CHECK(succeeded(run(fx.server(), {"check"})));
}

TEST_CASE("scheduled backups keep the newest complete ones and show in the stats", "[backup]") {
  temp_folder backups;
  sync_fixture fx(seeding::now, {"--backup-dir", backups.path().string(), "--backup-every", "1s",
                                 "--backup-keep", "2"});
  auto complete = [&] {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(backups.path()))
      n += fs::exists(e.path() / "manifest.json");
    return n;
  };
  auto stats = [&] {
    auto admin = fx.server().admin_http();
    auto r = admin.send(get("/admin/stats", admin_auth()));
    REQUIRE(r.has_value());
    return parse_json(r->body);
  };
  // Three backups at least: the third has pruned the first.
  REQUIRE(eventually([&] {
    auto admin = fx.server().admin_http();
    auto r = admin.send(get("/metrics", admin_auth()));
    return r && r->body.find("ankisync_backups_total{result=\"complete\"} 3") != std::string::npos;
  }, 30s));
  CHECK(eventually([&] { return complete() == 2; }, 10s));
  const auto s = stats();
  REQUIRE(s.at("last_backup").is_object());
  CHECK(s.at("last_backup").at("ok").as_bool());
  CHECK(as_number(s.at("last_backup").at("at")) > 0);
}

TEST_CASE("scheduled backups are set by flags or environment and shown by --dump-config",
          "[backup]") {
  auto dumped = run_ankisync({"serve", "--dump-config"},
                             {{"ANKISYNC_BACKUP_DIR", "/srv/backups"},
                              {"ANKISYNC_BACKUP_EVERY", "24h"},
                              {"ANKISYNC_BACKUP_KEEP", "3"}});
  INFO(dumped.out << dumped.err);
  CHECK(dumped.out.find("backup.dir = /srv/backups") != std::string::npos);
  CHECK(dumped.out.find("backup.every = 86400 s") != std::string::npos);
  CHECK(dumped.out.find("backup.keep = 3") != std::string::npos);
  auto bad = run_ankisync({"serve", "--dump-config", "--backup-dir", "/srv/b", "--backup-every",
                           "daily"});
  CHECK(bad.status.code == 2);
  CHECK(bad.err.find("--backup-every takes a whole number and a unit") != std::string::npos);
}
