#include "tests/actors/actor_test_system.hpp"

using namespace ankisync;
using namespace ankisync::actors::test;

TEST_CASE("one user's requests are answered in arrival order, through the collection actor") {
  server_actors s;
  // Each one depends on the one before: a step before its start, or after
  // the abort, would be refused.
  s.submit(meta_call("alice"), "meta");
  s.submit(start_call("alice", "s1"), "start");
  s.submit(graves_call("alice", "s1"), "graves 1");
  s.submit(graves_call("alice", "s1"), "graves 2");
  s.submit(abort_call("alice", "s1"), "abort");
  s.submit(graves_call("alice", "s1"), "graves after abort");
  s.sched.run();

  REQUIRE(s.labels() == std::vector<std::string>{"meta", "start", "graves 1", "graves 2", "abort",
                                                 "graves after abort"});
  for (std::size_t i = 0; i + 1 < s.answers.size(); ++i) {
    INFO(s.answers[i].label);
    REQUIRE(s.answers[i].outcome.has_value());
    CHECK(s.answers[i].outcome->user == "alice");
  }
  REQUIRE_FALSE(s.answers.back().outcome.has_value());
  CHECK(s.answers.back().outcome.error().code == protocol::error_code::conflict);
  CHECK(s.collection_actors().size() == 1);
}

TEST_CASE("a user's requests are not held up behind another user's lookup") {
  server_actors s;
  s.submit(meta_call("bob"), "bob first");
  s.sched.run();
  REQUIRE(s.labels() == std::vector<std::string>{"bob first"});

  // Alice's first requests need her actor from the registry, which does
  // not get to run; bob's actor is known already.
  s.submit(meta_call("alice"), "alice 1");
  s.submit(start_call("alice", "a"), "alice 2");
  s.submit(meta_call("bob"), "bob 2");
  s.submit(start_call("bob", "b"), "bob 3");
  s.run_all_but(s.registry);
  CHECK(s.labels() == std::vector<std::string>{"bob first", "bob 2", "bob 3"});

  s.sched.run();
  CHECK(s.labels() ==
        std::vector<std::string>{"bob first", "bob 2", "bob 3", "alice 1", "alice 2"});
  for (auto& a : s.answers) {
    INFO(a.label);
    CHECK(a.outcome.has_value());
  }
}

TEST_CASE("an unknown host key is refused at the door and reaches no collection actor") {
  server_actors s;
  auto req = meta_call("alice");
  req.host_key = "not-a-key";
  s.submit(std::move(req), "stranger");
  s.sched.run();
  REQUIRE(s.answers.size() == 1);
  REQUIRE_FALSE(s.answers[0].outcome.has_value());
  CHECK(s.answers[0].outcome.error().code == protocol::error_code::auth_failed);
  CHECK(s.collection_actors().empty());
  CHECK_FALSE(std::filesystem::exists(s.data_dir / "alice"));
}
