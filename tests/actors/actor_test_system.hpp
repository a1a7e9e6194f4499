#pragma once

// Shared set-up for the actor tests: an actor system on CAF's
// deterministic test coordinator (nothing runs until the test says so, and
// delayed messages wait for trigger_timeouts), the server's actors spawned
// as the runtime spawns them, a real users.db with host keys already
// issued (so no login, no hashing thread), and reply channels that record
// their answers in the order they arrive.

#include <catch2/catch.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/actor_metrics.hpp"
#include "actors/blocking_pool.hpp"
#include "actors/gateway_actor.hpp"
#include "actors/messages.hpp"
#include "actors/payload_limits.hpp"
#include "actors/registry_actor.hpp"
#include "actors/worker_pool_actor.hpp"
#include "profiles/profile.hpp"
#include "protocol/graves.hpp"
#include "protocol/meta.hpp"
#include "storage/password_hash.hpp"
#include "storage/users_db.hpp"
#include "tests/storage/temp_dir.hpp"

namespace ankisync::actors::test {

using storage::test::temp_dir;

// Each test user's one device key, stored in users.db as an earlier login
// would have left it.
inline std::string key_of(const std::string& user) { return "key-" + user; }

// ---- requests as net/ hands them to the gateway (body already decoded) ----

inline protocol::sync_request sync_call(const std::string& user, protocol::sync_method method,
                                        std::string session_key = {}) {
  protocol::sync_request r;
  r.family = protocol::request_family::sync;
  r.method = method;
  r.version = 11;
  r.host_key = key_of(user);
  r.session_key = std::move(session_key);
  r.client_version = "anki,25.02 (test),linux";
  r.client_ip = "127.0.0.1";
  return r;
}
inline protocol::sync_request meta_call(const std::string& user) {
  auto r = sync_call(user, protocol::sync_method::meta);
  r.body = protocol::meta_request{11, r.client_version};
  return r;
}
inline protocol::sync_request start_call(const std::string& user, const std::string& skey) {
  auto r = sync_call(user, protocol::sync_method::start, skey);
  r.body = protocol::start_request{0, false, std::nullopt};
  return r;
}
inline protocol::sync_request graves_call(const std::string& user, const std::string& skey) {
  auto r = sync_call(user, protocol::sync_method::apply_graves, skey);
  r.body = protocol::apply_graves_request{};
  return r;
}
inline protocol::sync_request abort_call(const std::string& user, const std::string& skey) {
  auto r = sync_call(user, protocol::sync_method::abort, skey);
  r.body = protocol::abort_request{};
  return r;
}

// One recorded answer: which request it was for, and what came back.
struct answer {
  std::string label;
  sync_outcome outcome;
};

// Short times, so a test that needs a session to go quiet sleeps little.
inline profiles::profile test_profile() {
  profiles::profile p;
  p.name = "test";
  p.blocking_threads = 1;
  return p;
}

struct actor_test_system {
  struct config : caf::actor_system_config {
    config() {
      add_message_types<caf::id_block::ankisync>();
      set("scheduler.policy", caf::atom("testing"));
    }
  };

  // Declared before the system, so they outlive every actor and message
  // that refers to them (a channel dropped at teardown still records).
  temp_dir dir;
  std::vector<answer> answers;
  protocol::server_metrics counters;
  std::shared_ptr<metrics_registry> metrics = std::make_shared<metrics_registry>(counters);
  blocking_pool pool{1};
  config cfg;
  caf::actor_system system{cfg};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler());

  ~actor_test_system() {
    // Stops what is still running; the coordinator runs their exits.
    for (auto& a : long_lived)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
    system.await_actors_before_shutdown(false);
  }

  // Actors the test spawned for good; stopped at the end.
  std::vector<caf::actor_addr> long_lived;

  // A channel that records its answer under `label`.
  reply_channel record(std::string label) {
    return reply_channel(
        [this, label](sync_outcome o) { answers.push_back({label, std::move(o)}); });
  }
  std::vector<std::string> labels() const {
    std::vector<std::string> out;
    for (auto& a : answers)
      out.push_back(a.label);
    return out;
  }
  const answer& answer_to(const std::string& label) const {
    auto it = std::find_if(answers.begin(), answers.end(),
                           [&](const answer& a) { return a.label == label; });
    if (it == answers.end())
      FAIL("no answer to " << label);
    return *it;
  }

  // Runs every queued message except those for `held`.
  template <class Handle>
  void run_all_but(const Handle& held) {
    auto* ptr = dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(held));
    sched.run_jobs_filtered([ptr](caf::resumable* job) { return job != ptr; });
  }

  // Collection actors alive now, of `user` or of anyone (they leave the
  // metrics when they stop).
  std::vector<std::uint64_t> collection_actors(const std::string& user = {}) const {
    std::vector<std::uint64_t> ids;
    for (auto& a : metrics->snapshot())
      if (a.kind == "collection" && (user.empty() || a.user == user))
        ids.push_back(a.id);
    return ids;
  }
};

// The gateway, the registry and the worker pool actor as the runtime
// spawns them, for users whose host keys are in a real users.db.
struct server_actors : actor_test_system {
  std::filesystem::path data_dir = dir.path;
  registry_config rc;
  worker_iface workers;
  registry_iface registry;
  gateway_iface gateway;

  explicit server_actors(profiles::profile profile = test_profile(),
                         std::vector<std::string> users = {"alice", "bob"}) {
    auto db = storage::users_db::open(data_dir / "users.db");
    REQUIRE(db);
    for (auto& u : users)
      REQUIRE(db->import_account({u, storage::hash_password("pw", 1000), {key_of(u)}}));

    workers = system.spawn<worker_pool_actor>(metrics, &pool);
    rc.data_dir = data_dir;
    rc.profile = profile;
    // Ticks come only when the test triggers them; every tick checks
    // every session.
    rc.tick = std::chrono::milliseconds(1);
    rc.session_check = std::chrono::milliseconds(0);
    rc.workers = workers;
    registry = system.spawn<registry_actor>(metrics, rc);

    gateway_config gc;
    gc.users_db_file = data_dir / "users.db";
    gc.registry = registry;
    gc.pool = &pool;
    gc.payload = payload_limits(profile);
    gateway = system.spawn<gateway_actor>(metrics, gc);
    caf::anon_send(registry, gateway_is_msg{gateway});
    long_lived = {gateway.address(), registry.address(), workers.address()};
    sched.run();
  }

  // Puts a request in the gateway's mailbox, as net/ does; nothing runs.
  void submit(protocol::sync_request request, const std::string& label) {
    caf::anon_send(gateway, sync_request_msg{std::move(request), record(label)});
  }

  // Sends `request` and runs until everything is answered; the answer
  // must be a success. Returns the collection actors of `user` then.
  std::vector<std::uint64_t> answered(protocol::sync_request request, const std::string& label) {
    const auto user = request.host_key.substr(key_of("").size());
    submit(std::move(request), label);
    sched.run();
    const auto& got = answer_to(label).outcome;
    if (!got)
      FAIL(label << " failed: " << got.error().message);
    return collection_actors(user);
  }

  // The registry's tick, with only the registry run: what it sends (an
  // evict on its way to the gateway) waits in its receivers' mailboxes.
  void tick_registry_only() {
    sched.trigger_timeouts();
    REQUIRE(sched.prioritize(registry));
    sched.run_once();
  }

  // One registry tick (eviction, session checks), run to the end.
  void tick() {
    sched.trigger_timeouts();
    sched.run();
  }
};

} // namespace ankisync::actors::test
