// Recording sync sessions and replaying them (docs/replay.md), with the
// real server, the reference client and the real ankisync-replay.

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "actors/recording/record_file.hpp"
#include "tests/integration/media_support.hpp"
#include "tests/integration/recording_scenarios.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;
namespace pb = actors::recording::pb;

namespace {

fs::path recordings_dir(sync_fixture& fx) { return fx.server().data_dir() / ".recordings"; }

// Records what `session` does as user "user" and returns the one file.
template <class Session>
fs::path record(sync_fixture& fx, Session session) {
  set_recording(fx.server(), sync_user, true);
  session();
  set_recording(fx.server(), sync_user, false);
  auto files = recordings_in(recordings_dir(fx) / sync_user);
  REQUIRE(files.size() == 1);
  return files.front();
}

std::string slurp_all(const fs::path& folder) {
  std::string all;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file() && e.path().extension() != ".anki2")
      all += read_file(e.path());
  return all;
}

} // namespace

TEST_CASE("a recorded two-device sync replays with every answer matching", "[recording]") {
  sync_fixture fx;
  auto file = record(fx, [&] { two_device_session(fx, false); });
  auto r = replay(file);
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("replay matches the recording") != std::string::npos);
  CHECK(r.output.find("applyChanges") != std::string::npos);
}

TEST_CASE("a recorded legacy-envelope sync replays in its own envelope", "[recording]") {
  sync_fixture fx;
  auto file = record(fx, [&] { two_device_session(fx, true); });
  auto stream = actors::recording::read_records(file);
  REQUIRE(stream.has_value());
  bool legacy_seen = false;
  for (const auto& rec : stream->records)
    if (rec.has_request() && rec.request().legacy())
      legacy_seen = true;
  CHECK(legacy_seen);
  auto r = replay(file);
  INFO(r.output);
  CHECK(r.code == 0);
}

TEST_CASE("a recorded full upload and download replays", "[recording]") {
  sync_fixture fx;
  auto file = record(fx, [&] { full_sync_session(fx); });
  auto r = replay(file);
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("upload") != std::string::npos);
  CHECK(r.output.find("download") != std::string::npos);
}

TEST_CASE("a recording with an altered answer fails replay and names the method", "[recording]") {
  sync_fixture fx;
  auto file = record(fx, [&] { two_device_session(fx, false); });
  auto stream = actors::recording::read_records(file);
  REQUIRE(stream.has_value());
  // The server's usn in the second meta answer, one higher than it was.
  std::uint64_t meta_seq = 0;
  int metas = 0;
  for (const auto& rec : stream->records)
    if (rec.has_request() && rec.request().method() == "meta" && ++metas == 2)
      meta_seq = rec.request().seq();
  REQUIRE(meta_seq != 0);
  bool altered = false;
  for (auto& rec : stream->records) {
    if (!rec.has_response() || rec.response().seq() != meta_seq)
      continue;
    auto body = boost::json::parse(rec.response().body().inline_bytes());
    body.as_object()["usn"] = body.at("usn").to_number<std::int64_t>() + 1;
    rec.mutable_response()->mutable_body()->set_inline_bytes(boost::json::serialize(body));
    altered = true;
  }
  REQUIRE(altered);
  const auto bad = file.parent_path() / (file.stem().string() + "-altered.ankirec");
  REQUIRE(actors::recording::write_records(bad, stream->records).has_value());

  auto r = replay(bad);
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(r.output.find("first divergence: request #" + std::to_string(meta_seq) + " (meta)") !=
        std::string::npos);
  CHECK(r.output.find("$.usn") != std::string::npos);
}

TEST_CASE("recording is switched on and off for one user through the admin endpoint",
          "[recording]") {
  sync_fixture fx;
  auto on = boost::json::parse(set_recording(fx.server(), sync_user, true));
  REQUIRE(on.at("users").as_array().size() == 1);
  CHECK(on.at("users").as_array()[0].at("user").as_string() == sync_user);

  two_device_session(fx, false);
  auto files = recordings_in(recordings_dir(fx) / sync_user);
  REQUIRE(files.size() == 1);
  auto during = actors::recording::read_records(files.front());
  REQUIRE(during.has_value());
  CHECK(during->records.size() > 10);

  auto off = boost::json::parse(set_recording(fx.server(), sync_user, false));
  CHECK(off.at("users").as_array().empty());
  const auto size_after_off = fs::file_size(files.front());
  // Another sync after switching off adds nothing.
  auto c = connect_as(fx.server(), false);
  auto d = fx.seeded_device("late");
  synced(d, c);
  CHECK(fs::file_size(files.front()) == size_after_off);
  CHECK(recordings_in(recordings_dir(fx)).size() == 1);
  auto ended = actors::recording::read_records(files.front());
  REQUIRE(ended.has_value());
  CHECK(ended->records.back().has_footer());
}

TEST_CASE("an unrecorded user's sync writes nothing into the record folder", "[recording]") {
  sync_fixture fx;
  SECTION("nobody recorded") {
    two_device_session(fx, false);
    CHECK_FALSE(fs::exists(recordings_dir(fx)));
  }
  SECTION("another user recorded") {
    set_recording(fx.server(), "someone_else", true);
    two_device_session(fx, false);
    CHECK_FALSE(fs::exists(recordings_dir(fx) / sync_user));
    CHECK(recordings_in(recordings_dir(fx)).empty());
  }
}

TEST_CASE("a recording never holds the password", "[recording]") {
  sync_fixture fx;
  auto file = record(fx, [&] { two_device_session(fx, false); });
  const auto all = slurp_all(file.parent_path());
  CHECK(all.find("\"p\":\"pass\"") == std::string::npos);
  CHECK(all.find("<redacted>") != std::string::npos);
}

TEST_CASE("a recording never holds a host key in requests or answers", "[recording]") {
  sync_fixture fx;
  auto file = record(fx, [&] {
    two_device_session(fx, false);
    // Media begin answers with the host key as its "sk".
    media_raw media(fx.server(), fx.host_key());
    media.usn();
  });
  const auto all = slurp_all(file.parent_path());
  // SYNC_USER1=user:pass: the key never changes, so it must not be kept.
  CHECK(all.find(user_pass_host_key) == std::string::npos);

  auto stream = actors::recording::read_records(file);
  REQUIRE(stream.has_value());
  bool login_answer = false;
  for (const auto& rec : stream->records)
    if (rec.has_response() && rec.response().body().inline_bytes().find("\"key\"") !=
                                  std::string::npos) {
      CHECK(rec.response().body().inline_bytes() == R"({"key":"<redacted>"})");
      login_answer = true;
    }
  CHECK(login_answer);
  // Replay still matches: it logs in and maps media keys by itself.
  auto r = replay(file);
  INFO(r.output);
  CHECK(r.code == 0);
}

TEST_CASE("the committed recording fixtures hold no host key", "[recording]") {
  const auto fixtures = recordings_in(ANKISYNC_RECORDINGS_DIR);
  REQUIRE_FALSE(fixtures.empty());
  for (const auto& file : fixtures) {
    INFO(file.string());
    CHECK(read_file(file).find(user_pass_host_key) == std::string::npos);
  }
}

TEST_CASE("recordings are written 0600 in 0700 folders whatever the umask", "[recording]") {
  umask_scope loose(022);
  temp_folder out;
  server_options o;
  o.env = {{"SYNC_USER1", "user:pass"}};
  o.args = {"--record", out.path().string()};
  server_process server(o);
  auto c = server.sync_client();
  auto login = c.login("user", "pass");
  REQUIRE(login.has_value());
  REQUIRE(login->ok());
  auto meta = c.call("meta", R"({"v":11,"cv":"ankisync-test"})", login->host_key);
  REQUIRE(meta.has_value());
  REQUIRE(server.stop().clean());
  REQUIRE(recordings_in(out.path() / "user").size() == 1);
  std::size_t seen = 0;
  for (const auto& e : fs::recursive_directory_iterator(out.path() / "user")) {
    INFO(e.path().string());
    const auto mode = e.symlink_status().permissions() & fs::perms::all;
    if (e.is_directory())
      CHECK(mode == fs::perms::owner_all);
    else
      CHECK(mode == (fs::perms::owner_read | fs::perms::owner_write));
    ++seen;
  }
  CHECK(seen >= 2); // the recording and its starting state
  CHECK((fs::status(out.path() / "user").permissions() & fs::perms::all) == fs::perms::owner_all);
}

TEST_CASE("serve --record records every user into the given folder", "[recording]") {
  temp_folder out;
  server_options o;
  o.env = {{"SYNC_USER1", "user:pass"}};
  o.args = {"--record", out.path().string()};
  server_process server(o);
  auto c = server.sync_client();
  auto login = c.login("user", "pass");
  REQUIRE(login.has_value());
  REQUIRE(login->ok());
  auto meta = c.call("meta", R"({"v":11,"cv":"ankisync-test"})", login->host_key);
  REQUIRE(meta.has_value());
  REQUIRE(server.stop().clean());
  auto files = recordings_in(out.path() / "user");
  REQUIRE(files.size() == 1);
  auto stream = actors::recording::read_records(files.front());
  REQUIRE(stream.has_value());
  REQUIRE(stream->records.size() == 6); // header, 2 requests, 2 responses, footer
  CHECK(stream->records[1].request().method() == "hostKey");
  CHECK(stream->records[3].request().method() == "meta");
  CHECK(stream->records[4].response().status() == 200);
  CHECK(stream->records[5].has_footer());
}

// Rewrites the committed fixtures; run on purpose, never in the suite.
TEST_CASE("write the recording fixtures", "[.fixtures]") {
  auto keep = [](sync_fixture& fx, const fs::path& file, const std::string& name) {
    (void)fx;
    const fs::path dir = fs::path(ANKISYNC_RECORDINGS_DIR) / name;
    fs::remove_all(dir);
    auto copied = actors::recording::copy_recording(file, dir, name);
    INFO((copied ? copied->string() : copied.error()));
    REQUIRE(copied.has_value());
  };
  {
    sync_fixture fx;
    keep(fx, record(fx, [&] { two_device_session(fx, false); }), "two_devices");
  }
  {
    sync_fixture fx;
    keep(fx, record(fx, [&] { two_device_session(fx, true); }), "legacy_two_devices");
  }
  {
    sync_fixture fx;
    keep(fx, record(fx, [&] { full_sync_session(fx); }), "full_upload_download");
  }
}
