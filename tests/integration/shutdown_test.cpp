// SIGTERM while blocking work is in flight (docs/operations.md): the
// server exits 0 within its shutdown grace plus the actors' stop time,
// removes the request bodies it held, and its collections open fine after.

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "protocol/meta.hpp"
#include "storage/unicase.hpp"
#include "tests/integration/collection_file.hpp"
#include "tests/integration/process_stats.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// The grace the tests give the server, and what a stop may take on top
// of it (actors ending, process exit) on a busy two-core machine.
constexpr auto grace = 1000ms;
constexpr auto stop_slack = 2500ms;

// A PBKDF2 hash with so many rounds that checking any password against
// it keeps a pool thread busy for several seconds; the hash itself
// matches no password.
constexpr const char* slow_hash_user =
    "user:$pbkdf2-sha256$i=40000000,l=32$tonuvYGpksNFQBlEmm3lxg$"
    "oQ1sqlkoU7Qn72xNoIq+NHyW3yOOER8EZ6mIJiv5GYc";

std::vector<std::string> request_bodies(const server_process& server) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(server.data_dir() / ".tmp", ec))
    out.push_back(e.path().filename().string());
  return out;
}

bool upload_temp_exists(const server_process& server) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(server.data_dir() / "user", ec))
    if (e.path().filename().string().starts_with(".upload-"))
      return true;
  return false;
}

// SIGTERM now; how the server ended and how long it took.
std::pair<exit_status, std::chrono::milliseconds> timed_stop(server_process& server) {
  const auto start = std::chrono::steady_clock::now();
  auto status = server.stop(grace + stop_slack + 5s);
  return {status, std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)};
}

} // namespace

TEST_CASE("SIGTERM while a login is being hashed exits 0 within the grace") {
  server_options options;
  options.env = {{"PASSWORDS_HASHED", "1"}, {"SYNC_USER1", slow_hash_user}};
  options.args = {"--set", "shutdown.grace_ms=" + std::to_string(grace.count())};
  server_process server(options);

  const double cpu_before = cpu_seconds(server.pid());
  std::atomic<bool> answered{false};
  std::thread login([&] {
    client::sync_client_options o;
    o.http.timeout = 60s;
    client::sync_client c("127.0.0.1", server.port(), o);
    (void)c.login("user", "pass"); // 503, or cut: either is fine
    answered = true;
  });
  // The hashing is under way once the server burns CPU.
  const bool hashing =
      eventually([&] { return cpu_seconds(server.pid()) - cpu_before >= 0.3; }, 10s);
  REQUIRE(hashing);
  REQUIRE_FALSE(answered.load());

  auto [status, took] = timed_stop(server);
  login.join();
  INFO(server.stderr_text());
  INFO("stopped after " << took.count() << " ms");
  CHECK(status.clean());
  CHECK(took < grace + stop_slack);
  CHECK(server.stderr_text().find("abandoning 1 blocking jobs") != std::string::npos);
  CHECK(request_bodies(server).empty());
}

TEST_CASE("SIGTERM while a full upload is checked exits 0 and the collection opens after") {
  server_options options;
  options.env = {{"SYNC_USER1", "user:pass"}};
  options.args = {"--set", "shutdown.grace_ms=" + std::to_string(grace.count())};
  server_process server(options);
  {
    // The user's collection exists before the upload.
    auto c = server.sync_client();
    auto meta = c.call("meta", protocol::encode_meta_request({11, "before"}), user_pass_host_key);
    REQUIRE(meta.has_value());
    REQUIRE(meta->status == 200);
  }
  const auto file = server.data_dir() / "user" / "collection.anki2";
  const auto before = collection_file(file).counts();

  // Raw noise: the server decodes ~100 MB to a temp file before refusing it.
  const std::string body = noise(96u << 20);
  std::atomic<bool> answered{false};
  std::thread uploader([&] {
    client::sync_client_options o;
    o.http.timeout = 60s;
    client::sync_client c("127.0.0.1", server.port(), o);
    (void)c.call("upload", body, user_pass_host_key, "big");
    answered = true;
  });
  const bool checking =
      eventually([&] { return upload_temp_exists(server) || answered.load(); }, 30s);
  REQUIRE(checking);
  if (answered.load())
    WARN("the upload was answered before SIGTERM; the stop hit an idle server");

  auto [status, took] = timed_stop(server);
  uploader.join();
  INFO(server.stderr_text());
  INFO("stopped after " << took.count() << " ms");
  CHECK(status.clean());
  CHECK(took < grace + stop_slack);
  CHECK(request_bodies(server).empty());

  server.start();
  auto c = server.sync_client();
  auto meta = c.call("meta", protocol::encode_meta_request({11, "after"}), user_pass_host_key);
  REQUIRE(meta.has_value());
  CHECK(meta->status == 200);
  CHECK(collection_file(file).integrity_check() == "ok");
  CHECK(collection_file(file).counts() == before);
}

TEST_CASE("SIGTERM lets a request in flight finish within the grace") {
  // A login that takes well under the grace is answered, then the server exits.
  server_options options;
  options.env = {{"PASSWORDS_HASHED", "1"},
                 {"SYNC_USER1", "user:$pbkdf2-sha256$i=600000,l=32$tonuvYGpksNFQBlEmm3lxg$"
                                "oQ1sqlkoU7Qn72xNoIq+NHyW3yOOER8EZ6mIJiv5GYc"}};
  options.args = {"--set", "shutdown.grace_ms=10000"};
  server_process server(options);

  const double cpu_before = cpu_seconds(server.pid());
  int status_code = 0;
  std::thread login([&] {
    auto c = server.sync_client();
    auto r = c.login("user", "pass");
    if (r)
      status_code = r->status;
  });
  REQUIRE(eventually([&] { return cpu_seconds(server.pid()) - cpu_before >= 0.05; }, 10s));
  auto [status, took] = timed_stop(server);
  login.join();
  INFO(server.stderr_text());
  CHECK(status.clean());
  CHECK(status_code == 200);
  CHECK(server.stderr_text().find("abandoning") == std::string::npos);
}
