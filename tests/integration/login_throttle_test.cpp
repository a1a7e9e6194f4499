// Logins under load and under attack (docs/operations.md, "Logins"): many
// users behind one address (a class behind NAT, a proxy) all get in; a
// burst of guesses from one address gets no more hashes than its failure
// budget; and guesses against one user do not lock out the others.

#include <catch2/catch.hpp>

#include <latch>
#include <mutex>
#include <thread>

#include "storage/password_hash.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync::integration;

namespace {

// `users` users named u1..uN, all with the password "pass", on the pi
// profile (one hashing thread: the tightest), with no per-address
// connection cap so that every attempt reaches the login code. The
// password is given hashed (the usual rounds, so each login costs what it
// does in use), so the server does not spend its start hashing it N times.
server_options pi_users(int users) {
  static const std::string phc = ankisync::storage::hash_password("pass");
  server_options o;
  o.env.emplace_back("PASSWORDS_HASHED", "1");
  for (int i = 1; i <= users; ++i)
    o.env.emplace_back("SYNC_USER" + std::to_string(i), "u" + std::to_string(i) + ":" + phc);
  o.args = {"--profile", "pi", "--set", "connections.max_per_ip=0"};
  return o;
}

// Logs every (user, password) in at the same moment, one connection each,
// and returns the statuses in the same order (0: no answer). The clients
// wait as long as the server may let a login wait on a loaded machine.
std::vector<int> login_at_once(const server_process& server,
                               const std::vector<std::pair<std::string, std::string>>& tries) {
  std::vector<int> statuses(tries.size(), 0);
  std::latch go(static_cast<std::ptrdiff_t>(tries.size()));
  std::vector<std::thread> threads;
  ankisync::client::sync_client_options patient;
  patient.http.timeout = std::chrono::seconds(90);
  for (std::size_t i = 0; i < tries.size(); ++i)
    threads.emplace_back([&, i] {
      ankisync::client::sync_client c("127.0.0.1", server.port(), patient);
      go.arrive_and_wait();
      auto r = c.login(tries[i].first, tries[i].second);
      statuses[i] = r ? r->status : 0;
    });
  for (auto& t : threads)
    t.join();
  return statuses;
}

} // namespace

TEST_CASE("30 users with correct passwords logging in at once from one address all get in") {
  // One hashing thread takes them one after the other; the wait bound
  // (login.wait_ms, its own unit test) is raised so that a slow or loaded
  // machine still shows what is asserted: no login is refused for volume.
  auto o = pi_users(30);
  o.args.insert(o.args.end(), {"--set", "login.wait_ms=80000"});
  server_process server(o);
  std::vector<std::pair<std::string, std::string>> tries;
  for (int i = 1; i <= 30; ++i)
    tries.emplace_back("u" + std::to_string(i), "pass");
  const auto statuses = login_at_once(server, tries);
  CHECK(std::count(statuses.begin(), statuses.end(), 200) == 30);
  CHECK(std::count(statuses.begin(), statuses.end(), 429) == 0);
}

TEST_CASE("60 wrong guesses at once from one address: at most the budget is hashed, the rest "
          "get 429, and another user still logs in") {
  // Many hashing slots, so that only the failure budget holds them back.
  auto o = pi_users(2);
  o.args.insert(o.args.end(), {"--set", "login.max_pending=64"});
  server_process server(o);
  const auto budget = 10; // login.failures_per_minute of the pi profile
  std::vector<std::pair<std::string, std::string>> tries(60, {"u1", "wrong"});
  const auto statuses = login_at_once(server, tries);
  const auto refused = std::count(statuses.begin(), statuses.end(), 403);
  const auto throttled = std::count(statuses.begin(), statuses.end(), 429);
  CHECK(refused <= budget);
  CHECK(refused >= 1);
  CHECK(refused + throttled == 60);

  auto c = server.sync_client();
  // The guessed user is throttled from this address, even with the right
  // password, until the minute is over...
  auto guessed = c.login("u1", "pass");
  REQUIRE(guessed);
  CHECK(guessed->status == 429);
  // ... another user of the same address is not.
  auto other = c.login("u2", "pass");
  REQUIRE(other);
  CHECK(other->status == 200);
}
