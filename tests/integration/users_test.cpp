#include <catch2/catch.hpp>

#include "tests/integration/test_support.hpp"

using namespace ankisync::integration;

namespace {

int meta_status(server_process& server, const std::string& host_key) {
  auto client = server.sync_client();
  auto r = client.call("meta", R"({"v":11,"cv":"ankisync-test"})", host_key);
  REQUIRE(r.has_value());
  return r->status;
}

std::string login_ok(server_process& server, const std::string& user, const std::string& pass) {
  auto client = server.sync_client();
  auto r = client.login(user, pass);
  REQUIRE(r.has_value());
  INFO("login " << user << ": " << r->body);
  REQUIRE(r->status == 200);
  REQUIRE(!r->host_key.empty());
  return r->host_key;
}

int login_status(server_process& server, const std::string& user, const std::string& pass) {
  auto client = server.sync_client();
  auto r = client.login(user, pass);
  REQUIRE(r.has_value());
  return r->status;
}

void cli_ok(server_process& server, std::vector<std::string> args) {
  auto r = server.cli(args);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status.clean());
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_CASE("a first start without users prints a generated password once, and it logs in") {
  server_process server;
  const auto out = server.stdout_text();
  INFO("stdout of the first start: " << out);
  REQUIRE(count(out, "password '") == 1);
  const auto from = out.find("password '") + std::string("password '").size();
  const auto to = out.find('\'', from);
  REQUIRE(to != std::string::npos);
  const auto password = out.substr(from, to - from);
  REQUIRE(password.size() >= 12);

  // The password goes to stdout only, never into the log.
  CHECK(server.stderr_text().find(password) == std::string::npos);

  login_ok(server, "user", password);
  CHECK(login_status(server, "user", password + "x") == 403);

  REQUIRE(server.stop().clean());
  server.start();
  INFO("stdout of the second start: " << server.stdout_text(2));
  CHECK(server.stdout_text(2).find("password") == std::string::npos);
  login_ok(server, "user", password);
}

TEST_CASE("a user added with `ankisync user add` while the server runs can log in at once") {
  server_process server;
  CHECK(login_status(server, "alice", "first secret") == 403);
  cli_ok(server, {"user", "add", "alice", "--password", "first secret"});
  const auto key = login_ok(server, "alice", "first secret");
  CHECK(meta_status(server, key) != 403);

  auto listed = server.cli({"user", "list"});
  REQUIRE(listed.status.clean());
  CHECK(listed.out.find("alice") != std::string::npos);
}

TEST_CASE("`ankisync user passwd` revokes the old host key and the new password logs in") {
  server_process server;
  cli_ok(server, {"user", "add", "alice", "--password", "old secret"});
  const auto old_key = login_ok(server, "alice", "old secret");
  REQUIRE(meta_status(server, old_key) != 403);

  cli_ok(server, {"user", "passwd", "alice", "--password", "new secret"});
  CHECK(meta_status(server, old_key) == 403);
  CHECK(login_status(server, "alice", "old secret") == 403);
  const auto new_key = login_ok(server, "alice", "new secret");
  CHECK(new_key != old_key);
  CHECK(meta_status(server, new_key) != 403);
}

TEST_CASE("after `ankisync user remove` the user can neither log in nor use a host key") {
  server_process server;
  cli_ok(server, {"user", "add", "alice", "--password", "secret"});
  const auto key = login_ok(server, "alice", "secret");
  cli_ok(server, {"user", "remove", "alice"});
  CHECK(login_status(server, "alice", "secret") == 403);
  CHECK(meta_status(server, key) == 403);
}

TEST_CASE("a host key of a CLI-added user survives a restart and a crash of the server") {
  server_process server;
  cli_ok(server, {"user", "add", "alice", "--password", "secret"});
  const auto key = login_ok(server, "alice", "secret");

  auto stopped = server.stop();
  INFO(server.stderr_text());
  REQUIRE(stopped.clean());
  server.start();
  CHECK(meta_status(server, key) != 403);

  // A key issued just before a SIGKILL was committed when the login answered.
  const auto second_key = login_ok(server, "alice", "secret");
  server.kill();
  server.start();
  CHECK(meta_status(server, key) != 403);
  CHECK(meta_status(server, second_key) != 403);
}
