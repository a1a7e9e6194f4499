#include "tests/actors/actor_test_system.hpp"

#include "actors/collection_actor.hpp"

using namespace ankisync;
using namespace ankisync::actors::test;

namespace {

// Every tick finds every resident user idle.
profiles::profile evicting_profile() {
  auto p = test_profile();
  p.idle_eviction = std::chrono::milliseconds(0);
  return p;
}

// Runs the coordinator one message at a time, failing as soon as two
// collection actors of one user are alive at once (two owners of one
// folder). Collection actors run last, when nothing else can: a successor
// spawned before its predecessor had ended would show.
void run_checking_one_owner(server_actors& s) {
  auto& jobs = s.sched.jobs;
  while (!jobs.empty()) {
    auto other = std::find_if(jobs.begin(), jobs.end(), [](caf::resumable* job) {
      return dynamic_cast<actors::collection_actor*>(job) == nullptr;
    });
    if (other != jobs.end())
      std::rotate(jobs.begin(), other, other + 1);
    s.sched.run_once();
    for (const char* user : {"alice", "bob"})
      REQUIRE(s.collection_actors(user).size() <= 1);
  }
}

} // namespace

TEST_CASE("a request queued in the gateway before an eviction is answered by the old actor") {
  server_actors s(evicting_profile(), {"alice"});
  const auto first_actor = s.answered(meta_call("alice"), "first");
  REQUIRE(first_actor.size() == 1);

  // The request waits in the gateway's mailbox when the registry decides
  // to evict: the evict goes in behind it.
  s.submit(meta_call("alice"), "queued");
  s.tick_registry_only();
  run_checking_one_owner(s);

  REQUIRE(s.labels() == std::vector<std::string>{"first", "queued"});
  CHECK(s.answer_to("queued").outcome.has_value());
  CHECK(s.collection_actors().empty());

  // A later request gets a new actor, once the old one has stopped.
  s.submit(meta_call("alice"), "later");
  run_checking_one_owner(s);
  CHECK(s.answer_to("later").outcome.has_value());
  const auto second_actor = s.collection_actors();
  REQUIRE(second_actor.size() == 1);
  CHECK(second_actor != first_actor);
}

TEST_CASE("a request arriving while its user's actor closes is answered by the successor") {
  server_actors s(evicting_profile(), {"alice"});
  const auto first_actor = s.answered(meta_call("alice"), "first");
  REQUIRE(first_actor.size() == 1);

  // The registry's evict reaches the gateway first; the request comes
  // behind it and finds the user's actor closing.
  s.tick_registry_only();
  s.submit(meta_call("alice"), "during close");
  s.submit(start_call("alice", "s1"), "start during close");
  run_checking_one_owner(s);

  REQUIRE(s.labels() == std::vector<std::string>{"first", "during close", "start during close"});
  CHECK(s.answer_to("during close").outcome.has_value());
  CHECK(s.answer_to("start during close").outcome.has_value());
  const auto successor = s.collection_actors();
  REQUIRE(successor.size() == 1);
  CHECK(successor != first_actor);
}

TEST_CASE("an evict is refused while a sync session is open, and the session goes on") {
  server_actors s(evicting_profile(), {"alice"});
  const auto actor = s.answered(start_call("alice", "s1"), "start");
  REQUIRE(actor.size() == 1);

  s.tick();
  s.tick();
  CHECK(s.collection_actors() == actor);

  s.submit(graves_call("alice", "s1"), "step");
  s.sched.run();
  REQUIRE(s.labels() == std::vector<std::string>{"start", "step"});
  CHECK(s.answer_to("step").outcome.has_value());

  // Once the session ends, the next tick closes the actor.
  s.submit(abort_call("alice", "s1"), "abort");
  s.sched.run();
  s.tick();
  CHECK(s.collection_actors().empty());
}

TEST_CASE("a step arriving while an evict is refused reaches the same actor and session") {
  server_actors s(evicting_profile(), {"alice"});
  const auto actor = s.answered(start_call("alice", "s1"), "start");
  REQUIRE(actor.size() == 1);

  // The gateway forgets the handle before the refusal comes back; the
  // step asks the registry, which holds it until the actor has answered.
  s.tick_registry_only();
  s.submit(graves_call("alice", "s1"), "step during close");
  run_checking_one_owner(s);

  REQUIRE(s.labels() == std::vector<std::string>{"start", "step during close"});
  CHECK(s.answer_to("step during close").outcome.has_value());
  CHECK(s.collection_actors() == actor);
}

TEST_CASE("too many resident users: the least recently used is closed, and comes back") {
  auto p = test_profile();
  p.max_resident_users = 1;
  server_actors s(p, {"alice", "bob"});
  s.submit(meta_call("alice"), "alice");
  run_checking_one_owner(s);
  const auto alice_first = s.collection_actors("alice");
  REQUIRE(alice_first.size() == 1);

  s.submit(meta_call("bob"), "bob");
  run_checking_one_owner(s);
  CHECK(s.collection_actors("alice").empty());
  CHECK(s.collection_actors("bob").size() == 1);

  s.submit(meta_call("alice"), "alice again");
  run_checking_one_owner(s);
  CHECK(s.collection_actors("bob").empty());
  const auto alice_second = s.collection_actors("alice");
  REQUIRE(alice_second.size() == 1);
  CHECK(alice_second != alice_first);

  REQUIRE(s.labels() == std::vector<std::string>{"alice", "bob", "alice again"});
  for (auto& a : s.answers) {
    INFO(a.label);
    CHECK(a.outcome.has_value());
  }
}
