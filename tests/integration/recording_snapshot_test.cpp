// A recorded user's starting state is copied off the gateway's thread:
// other users go on meanwhile, and the recorded user's requests wait for
// the copy, in order (docs/replay.md).

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "actors/recording/record_file.hpp"
#include "tests/integration/recording_scenarios.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* meta_body = R"({"v":11,"cv":"ankisync-test"})";

// Holds an exclusive lock on a SQLite file until destroyed. The copy of
// the starting state waits on it (its busy timeout is 5 s), which makes a
// slow snapshot without a large collection or any timing guess.
class file_lock {
public:
  explicit file_lock(const fs::path& file) {
    REQUIRE(sqlite3_open(file.c_str(), &db_) == SQLITE_OK);
    REQUIRE(exec("PRAGMA locking_mode=EXCLUSIVE"));
    REQUIRE(exec("BEGIN EXCLUSIVE"));
  }
  ~file_lock() { release(); }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

  void release() {
    sqlite3_close(db_);
    db_ = nullptr;
  }

private:
  bool exec(const char* sql) {
    char* error = nullptr;
    const bool ok = sqlite3_exec(db_, sql, nullptr, nullptr, &error) == SQLITE_OK;
    INFO(sql << ": " << (error ? error : ""));
    sqlite3_free(error);
    return ok;
  }

  sqlite3* db_ = nullptr;
};

// The folder the snapshot goes to appears as the copy begins.
bool wait_for_start_folder(const fs::path& folder, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    if (fs::exists(folder, ec))
      for (const auto& e : fs::directory_iterator(folder, ec))
        if (e.path().extension() == ".start")
          return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

template <class T>
bool pending(const std::future<T>& f) {
  return f.wait_for(0s) == std::future_status::timeout;
}

// Messages the gateway has taken from its mailbox so far (/admin/actors).
// Only requests and the replies to them reach the gateway, so a rise while
// every client waits means a new request arrived.
double gateway_processed(server_process& server) {
  auto r = server.admin_http().send(get("/admin/actors", admin_auth()));
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  auto doc = parse_json(r->body);
  for (const auto& a : doc.at("actors").as_array())
    if (a.at("kind").as_string() == "gateway")
      return as_number(a.at("processed"));
  FAIL("no gateway in /admin/actors: " << r->body);
  return 0;
}

bool wait_until(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done())
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

} // namespace

TEST_CASE("a slow starting-state copy holds only the recorded user, whose requests keep order",
          "[recording]") {
  // pi: a single blocking thread, which the copy takes; bob needs none.
  server_options options{{{"SYNC_USER1", "user:pass"}, {"SYNC_USER2", "bob:bob-pw"}},
                         {"--profile", "pi", "--admin-token", admin_test_token}};
  server_process server(options);
  temp_folder devices;

  // The recorded user's collection on the server, and bob's.
  auto a = client::device::create(devices.path() / "a");
  REQUIRE(a.has_value());
  {
    auto c = server.sync_client();
    REQUIRE(a->login(c, "user", "pass").has_value());
    REQUIRE(a->add_note({"before the recording"}).has_value());
    REQUIRE(a->full_upload(c).has_value());
  }
  auto bob_login = server.sync_client().login("bob", "bob-pw");
  REQUIRE(bob_login.has_value());
  REQUIRE(bob_login->ok());
  const auto bob_key = bob_login->host_key;
  REQUIRE(server.sync_client().call("meta", meta_body, bob_key).has_value());

  // Nothing of the recorded user is open after a restart, so the test can
  // lock their collection file.
  REQUIRE(server.stop().clean());
  server.start();
  set_recording(server, "user", true);
  REQUIRE(a->add_note({"during the recording"}).has_value());
  file_lock lock(server.data_dir() / "user" / "collection.anki2");

  // The device's first request (meta) opens the stream and waits for the
  // copy; so does a meta of the same user from a second connection.
  const auto a_key = a->host_key();
  auto a_client = server.sync_client();
  auto a_sync = std::async(std::launch::async, [&] { return a->sync(a_client); });
  const auto folder = server.data_dir() / ".recordings" / "user";
  REQUIRE(wait_for_start_folder(folder, 10s));

  auto bob_meta = server.sync_client().call("meta", meta_body, bob_key);
  REQUIRE(bob_meta.has_value());
  CHECK(bob_meta->status == 200);
  CHECK(pending(a_sync));

  const double before = gateway_processed(server);
  auto a_meta = std::async(std::launch::async, [&] {
    return server.sync_client().call("meta", meta_body, a_key);
  });
  // The second meta has reached the gateway, and is held there.
  REQUIRE(wait_until([&] { return gateway_processed(server) > before; }, 10s));
  CHECK(pending(a_meta));
  CHECK(pending(a_sync));
  lock.release();

  auto synced = a_sync.get();
  INFO(text(synced));
  REQUIRE(is(synced, client::sync_outcome_kind::normal_sync_done));
  auto second = a_meta.get();
  REQUIRE(second.has_value());
  CHECK(second->status == 200);
  set_recording(server, "user", false);

  auto files = recordings_in(folder);
  REQUIRE(files.size() == 1);
  auto stream = actors::recording::read_records(files.front());
  REQUIRE(stream.has_value());
  std::vector<std::string> methods;
  for (const auto& rec : stream->records)
    if (rec.has_request())
      methods.push_back(rec.request().method());
  INFO("recorded: " << methods.size() << " requests");
  REQUIRE(methods.size() > 3);
  // The request that opened the stream, then the one held behind it,
  // both before the device went on with its sync.
  CHECK(methods[0] == "meta");
  CHECK(methods[1] == "meta");
  CHECK(methods[2] == "start");

  auto r = replay(files.front());
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("replay matches the recording") != std::string::npos);
}
