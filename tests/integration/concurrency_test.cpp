#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/integration/test_support.hpp"

using namespace ankisync::integration;
using namespace std::chrono_literals;

TEST_CASE("many concurrent logins of one user do not hold up another user's request") {
  // pi: one hashing worker and one I/O thread, the tightest configuration.
  // Each login costs ~0.2 s of PBKDF2, so four queue up for ~0.8 s.
  server_options options{{{"SYNC_USER1", "alice:alice-pw"}, {"SYNC_USER2", "bob:bob-pw"}},
                         {"--profile", "pi"}};
  server_process server(options);

  auto bob = server.sync_client();
  auto bob_login = bob.login("bob", "bob-pw");
  REQUIRE(bob_login.has_value());
  REQUIRE(bob_login->ok());

  // Completion order, not wall time: each finished request takes the next
  // number.
  std::atomic<int> sequence{0};
  constexpr int logins = 4;
  std::vector<int> login_done(logins, -1);
  std::vector<int> login_status(logins, 0);
  std::vector<std::string> login_errors(logins);
  std::atomic<int> started{0};

  std::vector<std::thread> threads;
  for (int i = 0; i < logins; ++i)
    threads.emplace_back([&, i] {
      auto client = server.sync_client();
      // Connect first so the login goes out as soon as all are ready.
      auto warm = client.http().send(get("/health"));
      ++started;
      while (started.load() < logins)
        std::this_thread::yield();
      auto r = client.login("alice", "alice-pw");
      login_done[i] = ++sequence;
      if (r)
        login_status[i] = r->status;
      else
        login_errors[i] = r.error();
    });

  while (started.load() < logins)
    std::this_thread::yield();
  // Let the logins reach the server and queue for the hashing worker.
  std::this_thread::sleep_for(50ms);
  auto meta = bob.call("meta", R"({"v":11,"cv":"ankisync-test"})", bob_login->host_key);
  const int bob_done = ++sequence;
  for (auto& t : threads)
    t.join();

  REQUIRE(meta.has_value());
  CHECK(meta->status != 403);
  for (int i = 0; i < logins; ++i) {
    INFO("login " << i << " " << login_errors[i]);
    CHECK(login_status[i] == 200);
  }
  const int last_login = *std::max_element(login_done.begin(), login_done.end());
  INFO("bob's request finished " << bob_done << ", the last login " << last_login << " of "
                                 << logins + 1);
  CHECK(bob_done < last_login);
}
