#include <catch2/catch.hpp>

#include "tests/integration/test_support.hpp"

using namespace ankisync::integration;

namespace {

server_options user_pass() { return server_options{{{"SYNC_USER1", "user:pass"}}, {}}; }

// Status of an authenticated request: anything but 403 got past the key check.
int meta_status(server_process& server, const std::string& host_key) {
  auto client = server.sync_client();
  auto r = client.call("meta", R"({"v":11,"cv":"ankisync-test"})", host_key);
  REQUIRE(r.has_value());
  return r->status;
}

} // namespace

TEST_CASE("login as SYNC_USER1=user:pass returns exactly the official server's derived key") {
  server_process server(user_pass());
  auto client = server.sync_client();
  auto r = client.call("hostKey", R"({"u":"user","p":"pass"})");
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  CHECK(r->body == std::string(R"({"key":")") + user_pass_host_key + R"("})");
}

TEST_CASE("login with a wrong password is refused with 403") {
  server_process server(user_pass());
  auto client = server.sync_client();
  auto r = client.login("user", "wrong");
  REQUIRE(r.has_value());
  CHECK(r->status == 403);
  CHECK(r->host_key.empty());
}

TEST_CASE("login as an unknown user is refused with 403") {
  server_process server(user_pass());
  auto client = server.sync_client();
  auto r = client.login("nobody", "pass");
  REQUIRE(r.has_value());
  CHECK(r->status == 403);
}

TEST_CASE("the derived host key authenticates sync requests and a made-up key gets 403") {
  server_process server(user_pass());
  auto client = server.sync_client();
  auto login = client.login("user", "pass");
  REQUIRE(login.has_value());
  REQUIRE(login->ok());
  REQUIRE(login->host_key == user_pass_host_key);

  CHECK(meta_status(server, login->host_key) != 403);
  CHECK(meta_status(server, "0123456789abcdef0123456789abcdef01234567") == 403);
  CHECK(meta_status(server, "") == 403);
}

TEST_CASE("with PASSWORDS_HASHED=1 a SYNC_USER given as a PBKDF2 hash logs in with the password") {
  server_options options;
  options.env = {{"PASSWORDS_HASHED", "1"},
                 {"SYNC_USER1", "user:$pbkdf2-sha256$i=600000,l=32$tonuvYGpksNFQBlEmm3lxg$"
                                "oQ1sqlkoU7Qn72xNoIq+NHyW3yOOER8EZ6mIJiv5GYc"}};
  server_process server(options);
  auto client = server.sync_client();

  auto good = client.login("user", "pass");
  REQUIRE(good.has_value());
  CHECK(good->status == 200);
  CHECK(!good->host_key.empty());
  CHECK(meta_status(server, good->host_key) != 403);

  // The hash itself is not the password.
  auto hash_as_password = client.login(
      "user", "$pbkdf2-sha256$i=600000,l=32$tonuvYGpksNFQBlEmm3lxg$"
              "oQ1sqlkoU7Qn72xNoIq+NHyW3yOOER8EZ6mIJiv5GYc");
  REQUIRE(hash_as_password.has_value());
  CHECK(hash_as_password->status == 403);
}
