#include <catch2/catch.hpp>

#include "tests/integration/test_support.hpp"

using namespace ankisync::integration;

TEST_CASE("GET /health answers 200 with an empty body") {
  server_process server;
  auto http = server.http();
  auto r = http.send(get("/health"));
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->body.empty());
}

TEST_CASE("POST /health is refused with 405") {
  server_process server;
  auto http = server.http();
  auto r = http.send(post("/health", ""));
  REQUIRE(r.has_value());
  CHECK(r->status == 405);
}

TEST_CASE("a server stopped with SIGTERM exits with code 0") {
  server_process server;
  auto http = server.http();
  REQUIRE(http.send(get("/health")).has_value());
  auto status = server.stop();
  INFO(server.stderr_text());
  CHECK(status.clean());
  CHECK(status.describe() == "exit code 0");
}

TEST_CASE("serve --healthcheck exits 0 while a server listens and 1 when none does") {
  server_process server;
  const auto port = std::to_string(server.port());
  auto up = run_ankisync({"serve", "--healthcheck", "--port", port});
  CHECK(up.status.clean());
  server.stop();
  auto down = run_ankisync({"serve", "--healthcheck", "--port", port});
  CHECK(down.status.exited);
  CHECK(down.status.code == 1);
}

TEST_CASE("the admin listener's address comes from ANKISYNC_ADMIN_HOST and _PORT, flags first") {
  auto from_env = run_ankisync({"serve", "--data", "unused", "--dump-config"},
                               {{"ANKISYNC_ADMIN_HOST", "127.0.0.2"}, {"ANKISYNC_ADMIN_PORT", "9181"}});
  CHECK(from_env.status.clean());
  CHECK_THAT(from_env.out, Catch::Contains("admin.listen = 127.0.0.2:9181"));

  auto flags_win = run_ankisync({"serve", "--data", "unused", "--dump-config", "--admin-port", "9182"},
                                {{"ANKISYNC_ADMIN_PORT", "9181"}});
  CHECK_THAT(flags_win.out, Catch::Contains("admin.listen = 127.0.0.1:9182"));

  auto bad = run_ankisync({"serve", "--data", "unused", "--dump-config"},
                          {{"ANKISYNC_ADMIN_PORT", "eighty"}});
  CHECK(bad.status.describe() == "exit code 2");
  CHECK_THAT(bad.err, Catch::Contains("ANKISYNC_ADMIN_PORT must be a port number"));
}
