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

TEST_CASE("a name's NFC and NFD spellings are one user with one folder") {
  const std::string nfc = "Jos\xc3\xa9";  // é as one code point
  const std::string nfd = "Jose\xcc\x81"; // e + U+0301
  server_process server;
  cli_ok(server, {"user", "add", nfc, "--password", "secret"});
  auto again = server.cli({"user", "add", nfd, "--password", "other"});
  INFO("stdout: " << again.out << "\nstderr: " << again.err);
  CHECK_FALSE(again.status.clean());

  const auto by_nfd = login_ok(server, nfd, "secret");
  const auto by_nfc = login_ok(server, nfc, "secret");
  CHECK(meta_status(server, by_nfd) == 200);
  CHECK(meta_status(server, by_nfc) == 200);
  CHECK(std::filesystem::is_directory(server.data_dir() / nfc));
  CHECK_FALSE(std::filesystem::exists(server.data_dir() / nfd));

  auto listed = server.cli({"user", "list"});
  REQUIRE(listed.status.clean());
  CHECK(count(listed.out, nfc) == 1);
  CHECK(count(listed.out, nfd) == 0);
}

TEST_CASE("`ankisync user add` refuses a name with a right-to-left override") {
  server_process server;
  const std::string name = "bob\xe2\x80\xae" "gpj.exe";
  auto r = server.cli({"user", "add", name, "--password", "secret"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK_FALSE(r.status.clean());
  CHECK(login_status(server, name, "secret") == 403);
  auto listed = server.cli({"user", "list"});
  REQUIRE(listed.status.clean());
  CHECK(listed.out.find("\xe2\x80\xae") == std::string::npos);
}

TEST_CASE("a SYNC_USER name in NFD is the NFC user and one with a bidi control stops the start") {
  const std::string nfc = "Ren\xc3\xa9";
  const std::string nfd = "Rene\xcc\x81";
  server_process server(server_options{{{"SYNC_USER1", nfd + ":pw"}}, {}});
  const auto key = login_ok(server, nfc, "pw");
  CHECK(meta_status(server, key) == 200);
  CHECK(std::filesystem::is_directory(server.data_dir() / nfc));
  auto listed = server.cli({"user", "list"});
  REQUIRE(listed.status.clean());
  CHECK(count(listed.out, nfc) == 1);

  temp_folder folder;
  auto r = run_ankisync({"serve", "--data", (folder.path() / "data").string(), "--port", "0",
                         "--admin-port", "0", "--ready-file", (folder.path() / "ready").string()},
                        {{"SYNC_USER1", "a\xe2\x80\xae" "b:pw"}}, std::chrono::seconds(10));
  INFO("stderr: " << r.err);
  CHECK(r.status.exited);
  CHECK(r.status.code != 0);
  CHECK(r.err.find("\xe2\x80\xae") == std::string::npos);
}
