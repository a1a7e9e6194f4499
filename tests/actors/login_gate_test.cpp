#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "actors/login_gate.hpp"

using namespace ankisync::actors;
using verdict = login_gate::verdict;
using namespace std::chrono_literals;

namespace {

login_gate_limits limits() {
  login_gate_limits l;
  l.user_failures_per_minute = 20;
  l.address_failures_per_minute = 50;
  l.max_hashing = 4;
  l.max_wait = 10s;
  return l;
}

std::map<verdict, int> count(const std::vector<login_gate::decision>& ds) {
  std::map<verdict, int> out;
  for (auto& d : ds)
    ++out[d.what];
  return out;
}

// Hashes everything the gate lets through as `failed`, until nothing
// moves; returns how many were hashed and every decision.
int run_all(login_gate& gate, login_gate::clock::time_point now, bool failed,
            std::vector<login_gate::decision>& all) {
  int hashed = 0;
  for (;;) {
    auto ds = gate.next(now);
    if (ds.empty())
      return hashed;
    for (auto& d : ds) {
      all.push_back(d);
      if (d.what == verdict::hash) {
        ++hashed;
        gate.done(d.id, failed, now);
      }
    }
  }
}

} // namespace

TEST_CASE("60 wrong guesses at once from one address: the budget is hashed, the rest get 429") {
  login_gate gate(limits());
  const auto now = login_gate::clock::now();
  for (login_gate::ticket t = 1; t <= 60; ++t)
    gate.arrive(t, "10.0.0.1", "alice", now);
  // No more than the hashing slots start at once.
  auto first = gate.next(now);
  CHECK(first.size() == 4);
  for (auto& d : first)
    gate.done(d.id, true, now);
  std::vector<login_gate::decision> all(first.begin(), first.end());
  const int hashed = 4 + run_all(gate, now, true, all);
  CHECK(hashed == 20);
  CHECK(count(all)[verdict::throttle] == 40);
  CHECK(gate.waiting() == 0);
}

TEST_CASE("attempts in flight count before their hash: none past the budget is started") {
  auto l = limits();
  l.max_hashing = 64;
  login_gate gate(l);
  const auto now = login_gate::clock::now();
  for (login_gate::ticket t = 1; t <= 60; ++t)
    gate.arrive(t, "10.0.0.1", "alice", now);
  auto ds = gate.next(now);
  CHECK(count(ds)[verdict::hash] == 20);
  CHECK(gate.waiting() == 40); // they wait: those in flight may succeed
}

TEST_CASE("a throttled name does not lock out another user of the same address") {
  login_gate gate(limits());
  const auto now = login_gate::clock::now();
  for (login_gate::ticket t = 1; t <= 20; ++t)
    gate.arrive(t, "10.0.0.1", "alice", now);
  std::vector<login_gate::decision> all;
  CHECK(run_all(gate, now, true, all) == 20);
  gate.arrive(100, "10.0.0.1", "alice", now);
  gate.arrive(101, "10.0.0.1", "bob", now);
  auto ds = gate.next(now);
  REQUIRE(ds.size() == 2);
  std::sort(ds.begin(), ds.end(), [](auto& a, auto& b) { return a.id < b.id; });
  CHECK(ds[0].what == verdict::throttle);
  CHECK(ds[1].what == verdict::hash);
}

TEST_CASE("an address spraying user names is stopped at its own budget") {
  login_gate gate(limits());
  const auto now = login_gate::clock::now();
  for (login_gate::ticket t = 1; t <= 80; ++t)
    gate.arrive(t, "10.0.0.1", "user" + std::to_string(t), now);
  std::vector<login_gate::decision> all;
  CHECK(run_all(gate, now, true, all) == 50);
  CHECK(count(all)[verdict::throttle] == 30);
}

TEST_CASE("many correct logins from one address all get their turn, none is refused") {
  login_gate gate(limits());
  const auto now = login_gate::clock::now();
  for (login_gate::ticket t = 1; t <= 200; ++t)
    gate.arrive(t, "10.0.0.1", "user" + std::to_string(t % 30), now);
  std::vector<login_gate::decision> all;
  CHECK(run_all(gate, now, false, all) == 200);
  CHECK(count(all)[verdict::throttle] == 0);
}

TEST_CASE("addresses take turns for the hashing slots") {
  auto l = limits();
  l.max_hashing = 1;
  login_gate gate(l);
  const auto now = login_gate::clock::now();
  for (login_gate::ticket t = 1; t <= 10; ++t)
    gate.arrive(t, "10.0.0.1", "a" + std::to_string(t), now);
  gate.arrive(11, "10.0.0.2", "b", now);
  auto first = gate.next(now);
  REQUIRE(first.size() == 1);
  CHECK(first[0].id == 1);
  gate.done(1, false, now);
  auto second = gate.next(now);
  REQUIRE(second.size() == 1);
  CHECK(second[0].id == 11); // the other address, not the next of the first
}

TEST_CASE("a login that waits past max_wait is answered too_late; failures expire after a minute") {
  auto l = limits();
  l.max_hashing = 1;
  login_gate gate(l);
  const auto now = login_gate::clock::now();
  gate.arrive(1, "10.0.0.1", "a", now);
  gate.arrive(2, "10.0.0.1", "b", now);
  CHECK(gate.next(now).size() == 1);
  auto later = gate.next(now + 11s);
  REQUIRE(later.size() == 1);
  CHECK(later[0].id == 2);
  CHECK(later[0].what == verdict::too_late);

  gate.done(1, true, now);
  for (login_gate::ticket t = 10; t < 30; ++t) {
    gate.arrive(t, "10.0.0.1", "a", now);
    std::vector<login_gate::decision> all;
    run_all(gate, now, true, all);
  }
  gate.arrive(50, "10.0.0.1", "a", now);
  CHECK(gate.next(now)[0].what == verdict::throttle);
  gate.arrive(51, "10.0.0.1", "a", now + 61s);
  CHECK(gate.next(now + 61s)[0].what == verdict::hash);
}
