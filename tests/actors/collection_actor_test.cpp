#include "tests/actors/actor_test_system.hpp"

#include <thread>

#include "storage/collection.hpp"

using namespace ankisync;
using namespace ankisync::actors::test;

// The session times are measured on the steady clock by the collection
// actor, so these tests let real time pass; the registry's tick, which acts
// on them, still comes only when the test triggers it. The times are long
// enough that a loaded machine does not reach them between two steps.

TEST_CASE("a sync session with no request for the idle time is rolled back on the session check") {
  auto p = test_profile();
  p.session_idle_timeout = std::chrono::milliseconds(1000);
  server_actors s(p, {"alice"});
  s.answered(start_call("alice", "s1"), "start");

  // A check within the idle time leaves the session alone.
  s.tick();
  s.submit(graves_call("alice", "s1"), "step in time");
  s.sched.run();
  REQUIRE(s.answer_to("step in time").outcome.has_value());

  std::this_thread::sleep_for(p.session_idle_timeout + std::chrono::milliseconds(50));
  // Nothing happens without the check: the actor keeps no timer.
  CHECK(s.counters.sessions_timed_out.value() == 0);
  s.tick();
  CHECK(s.counters.sessions_timed_out.value() == 1);

  s.submit(graves_call("alice", "s1"), "step too late");
  s.sched.run();
  const auto& late = s.answer_to("step too late").outcome;
  REQUIRE_FALSE(late.has_value());
  CHECK(late.error().code == protocol::error_code::conflict);
  CHECK(late.error().message == "no active sync");

  // The write transaction is gone: another connection can write.
  auto other = storage::collection::open(s.data_dir / "alice" / "collection.anki2");
  REQUIRE(other);
  CHECK(other->begin());
  CHECK(other->rollback());
}

TEST_CASE("a device waiting for another's session goes ahead after the stall time") {
  auto p = test_profile();
  p.session_stall = std::chrono::milliseconds(1000);
  server_actors s(p, {"alice"});
  s.answered(start_call("alice", "phone"), "phone start");

  // The laptop's start waits while the phone's session is fresh, ticks
  // or not.
  s.submit(start_call("alice", "laptop"), "laptop start");
  s.sched.run();
  s.tick();
  CHECK(s.labels() == std::vector<std::string>{"phone start"});

  std::this_thread::sleep_for(p.session_stall + std::chrono::milliseconds(50));
  s.tick();
  REQUIRE(s.labels() == std::vector<std::string>{"phone start", "laptop start"});
  CHECK(s.answer_to("laptop start").outcome.has_value());
  CHECK(s.counters.sessions_abandoned.value() == 1);

  // The phone's session was rolled back; the laptop's is the open one.
  s.submit(graves_call("alice", "phone"), "phone step");
  s.submit(graves_call("alice", "laptop"), "laptop step");
  s.sched.run();
  const auto& phone = s.answer_to("phone step").outcome;
  REQUIRE_FALSE(phone.has_value());
  CHECK(phone.error().code == protocol::error_code::conflict);
  CHECK(s.answer_to("laptop step").outcome.has_value());
}

TEST_CASE("a waiting start is answered when the open session aborts, not before") {
  server_actors s(test_profile(), {"alice"});
  s.submit(start_call("alice", "phone"), "phone start");
  s.submit(start_call("alice", "laptop"), "laptop start");
  s.submit(graves_call("alice", "phone"), "phone step");
  s.sched.run();
  // The phone's session keeps going while the laptop waits.
  CHECK(s.labels() == std::vector<std::string>{"phone start", "phone step"});

  s.submit(abort_call("alice", "phone"), "phone abort");
  s.sched.run();
  REQUIRE(s.labels() ==
          std::vector<std::string>{"phone start", "phone step", "phone abort", "laptop start"});
  for (auto& a : s.answers) {
    INFO(a.label);
    CHECK(a.outcome.has_value());
  }
}

TEST_CASE("requests waiting for a session are answered when the actor stops") {
  server_actors s(test_profile(), {"alice"});
  s.submit(start_call("alice", "phone"), "phone start");
  s.submit(start_call("alice", "laptop"), "laptop start");
  s.sched.run();
  REQUIRE(s.labels() == std::vector<std::string>{"phone start"});

  caf::anon_send_exit(s.registry, caf::exit_reason::user_shutdown);
  s.sched.run();
  REQUIRE(s.labels() == std::vector<std::string>{"phone start", "laptop start"});
  const auto& waited = s.answer_to("laptop start").outcome;
  REQUIRE_FALSE(waited.has_value());
  CHECK(waited.error().code == protocol::error_code::unavailable);
  CHECK(s.collection_actors().empty());
}
