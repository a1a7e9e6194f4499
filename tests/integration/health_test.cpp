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
