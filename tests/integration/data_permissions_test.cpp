// The data folder holds every user's collection, media and recordings:
// only the account the server runs as may read it, whatever the umask of
// the shell that started it.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/integration/media_support.hpp"
#include "tests/integration/recording_scenarios.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;

namespace {

constexpr auto private_dir = fs::perms::owner_all;
constexpr auto private_file = fs::perms::owner_read | fs::perms::owner_write;

fs::perms mode_of(const fs::path& p) { return fs::symlink_status(p).permissions() & fs::perms::all; }

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

} // namespace

TEST_CASE("under umask 022 every file in the data folder is 0600 and every folder 0700") {
  umask_scope loose(022);
  sync_fixture fx; // seeding makes the collection with a full upload
  set_recording(fx.server(), sync_user, true);
  auto c = connect_as(fx.server(), false);
  auto d = fx.seeded_device("a");
  REQUIRE(d.add_note({"private"}).has_value());
  synced(d, c);
  media_raw media(fx.server(), fx.host_key());
  REQUIRE(media.upload_ok(upload_zip({{"picture.jpg", std::string("not really a picture")}})).usn >
          0);
  set_recording(fx.server(), sync_user, false);
  REQUIRE(fx.server().stop().clean());

  const auto data = fx.server().data_dir();
  CHECK(mode_of(data) == private_dir);
  std::size_t files = 0;
  bool recording_seen = false, media_seen = false;
  for (const auto& e : fs::recursive_directory_iterator(data)) {
    INFO(e.path().string());
    if (e.is_directory()) {
      CHECK(mode_of(e.path()) == private_dir);
      continue;
    }
    CHECK(mode_of(e.path()) == private_file);
    ++files;
    recording_seen |= e.path().extension() == ".ankirec";
    media_seen |= e.path().parent_path().filename() == "media-store" ||
                  e.path().parent_path().parent_path().filename() == "media-store";
  }
  CHECK(files >= 4); // users.db, collection.anki2, media.db, a media file, ...
  CHECK(recording_seen);
  CHECK(media_seen);
}

TEST_CASE("a data folder left readable by others is tightened at start and foreign files are kept") {
  server_process server(server_options{{{"SYNC_USER1", "user:pass"}}, {}});
  auto c = server.sync_client();
  auto login = c.login("user", "pass");
  REQUIRE(login.has_value());
  REQUIRE(login->ok());
  REQUIRE(c.call("meta", R"({"v":11,"cv":"ankisync-test"})", login->host_key).has_value());
  REQUIRE(server.stop().clean());

  // As an older version under umask 022 left it, with the operator's own
  // files beside ankisync's.
  const auto data = server.data_dir();
  REQUIRE(fs::is_directory(data / "user"));
  const auto loose_dir = private_dir | fs::perms::group_read | fs::perms::group_exec |
                         fs::perms::others_read | fs::perms::others_exec;
  const auto loose_file = private_file | fs::perms::group_read | fs::perms::others_read;
  fs::permissions(data, loose_dir);
  fs::permissions(data / "user", loose_dir);
  fs::permissions(data / "users.db", loose_file);
  write_text(data / "notes.txt", "the operator's");
  fs::permissions(data / "notes.txt", loose_file);
  fs::create_directory(data / "backups");
  fs::permissions(data / "backups", loose_dir);

  server.start();
  CHECK(mode_of(data) == private_dir);
  CHECK(mode_of(data / "user") == private_dir);
  CHECK(mode_of(data / "users.db") == private_file);
  // Not ankisync's: left as they were.
  CHECK(mode_of(data / "notes.txt") == loose_file);
  CHECK(read_file(data / "notes.txt") == "the operator's");
  CHECK(mode_of(data / "backups") == loose_dir);
}
