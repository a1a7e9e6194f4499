// An abandoned sync session (the client vanished after start) must not
// hold the user's write transaction forever, as upstream's does: after the
// session idle time the server rolls it back on its own.

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;

TEST_CASE("an abandoned sync session is rolled back after the session idle time") {
  server_options options;
  options.env = {{"SYNC_USER1", "user:pass"}};
  options.args = {"--session-idle-timeout-ms", "400"};
  server_process server(options);
  auto client = server.sync_client();
  auto login = client.login("user", "pass");
  REQUIRE(login);
  REQUIRE(login->ok());
  raw_sync raw(server, login->host_key);

  REQUIRE(raw.call("start", R"({"minUsn":0,"lnewer":true,"graves":null})", "s1").status == 200);
  // A grave written inside the session: visible to the session only.
  REQUIRE(raw.call("applyGraves", R"({"chunk":{"cards":[77],"decks":[],"notes":[]}})", "s1")
              .status == 200);
  // Still alive while the client keeps talking within the idle time.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  REQUIRE(raw.call("applyGraves", R"({"chunk":{"cards":[78],"decks":[],"notes":[]}})", "s1")
              .status == 200);

  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  // The session is gone: its key is refused like any unknown session's...
  CHECK(raw.call("applyGraves", R"({"chunk":{"cards":[],"decks":[],"notes":[]}})", "s1")
            .status == 409);
  // ...and nothing it wrote was kept: a new session from minUsn 0 sees no
  // graves at all.
  auto fresh = raw.call("start", R"({"minUsn":0,"lnewer":false,"graves":null})", "s2");
  REQUIRE(fresh.status == 200);
  CHECK(fresh.body == R"({"cards":[],"decks":[],"notes":[]})");
  REQUIRE(raw.call("abort", "{}", "s2").status == 200);
}
