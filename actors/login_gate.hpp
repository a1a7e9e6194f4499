#pragma once

// Which logins are hashed, in what order, and which are refused
// (docs/operations.md, "Logins"). Plain data, no actors: the gateway feeds
// it what arrives and what finished hashing, and acts on its decisions.
//
// - Every attempt reserves a place in its failure budgets before it is
//   hashed: the budget of its (address, user name) and the larger one of
//   its address. An attempt that would not fit if everything in flight
//   failed waits for those to finish, so a burst of guesses never gets
//   more hashes than the budget allows.
// - 429 only once an address, or an address and user name, has used up
//   its failure budget in the last minute: a correct password from a busy
//   address is never refused for volume alone, and one user's guessed
//   password does not lock out the others behind the same address until
//   the address itself has failed too often (spraying user names).
// - Logins are hashed a few at a time, taking turns between addresses;
//   one that cannot start within the wait bound is answered 503.

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace ankisync::actors {

struct login_gate_limits {
  unsigned user_failures_per_minute = 10;    // per (address, user name)
  unsigned address_failures_per_minute = 50; // per address, whatever the name
  unsigned max_hashing = 4;                  // logins handed to the blocking pool at once
  std::chrono::milliseconds max_wait{10000}; // in the queue, before 503
};

class login_gate {
public:
  using clock = std::chrono::steady_clock;
  using ticket = std::uint64_t;

  explicit login_gate(login_gate_limits limits) : limits_(limits) {}

  enum class verdict {
    hash,      // reserved: hash it now
    throttle,  // 429: its address or address and name failed too often
    too_late,  // 503: waited past max_wait for its turn
  };
  struct decision {
    ticket id;
    verdict what;
  };

  // A login from `address` for `user` (already in its stored spelling).
  void arrive(ticket id, const std::string& address, const std::string& user,
              clock::time_point now);
  // A login that was hashed: `failed` when the name or password was wrong
  // (not when the check itself failed).
  void done(ticket id, bool failed, clock::time_point now);
  // What to do next: refusals first, then as many logins as may be hashed.
  std::vector<decision> next(clock::time_point now);

  std::size_t waiting() const { return waiting_count_; }
  std::size_t hashing() const { return hashing_.size(); }

  // Failures in the current minute and attempts being hashed.
  struct budget_view {
    unsigned failures = 0;
    unsigned in_flight = 0;
  };
  budget_view address_budget(const std::string& address, clock::time_point now) const;
  budget_view name_budget(const std::string& address, const std::string& user,
                          clock::time_point now) const;

private:
  struct key {
    std::string address, user;
    bool operator==(const key&) const = default;
  };
  struct key_hash {
    std::size_t operator()(const key& k) const {
      return std::hash<std::string>{}(k.address) * 31 + std::hash<std::string>{}(k.user);
    }
  };
  // Failures in the minute that began with the first of them, and the
  // attempts being hashed, which may fail yet.
  struct budget {
    clock::time_point start;
    unsigned failures = 0;
    unsigned in_flight = 0;
  };
  struct waiting_login {
    ticket id;
    std::string user;
    clock::time_point since;
  };

  login_gate_limits limits_;
  std::unordered_map<std::string, budget> addresses_;
  std::unordered_map<key, budget, key_hash> names_;
  // Waiting logins by address, and the addresses in turn order.
  std::unordered_map<std::string, std::deque<waiting_login>> queues_;
  std::deque<std::string> turns_;
  std::size_t waiting_count_ = 0;
  std::unordered_map<ticket, key> hashing_;
};

} // namespace ankisync::actors
