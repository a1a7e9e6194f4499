#include "tests/actors/actor_test_system.hpp"

#include <caf/event_based_actor.hpp>

#include <boost/json.hpp>

#include <fstream>

#include "actors/admin_actor.hpp"

using namespace ankisync;
using namespace ankisync::actors;
using namespace ankisync::actors::test;

namespace {

struct admin_fixture : server_actors {
  admin_iface admin;

  admin_fixture() {
    admin = system.spawn<admin_actor>(
        metrics, admin_config{"test", std::chrono::steady_clock::now(), &pool, data_dir});
    long_lived.push_back(admin.address());
    sched.run();
  }

  // The admin actor's answer to `query`, as the admin endpoint gets it.
  std::string ask(protocol::admin_query query) {
    std::optional<std::string> got;
    system.spawn([&, query](caf::event_based_actor* self) {
      self->request(admin, caf::infinite, admin_query_msg{query})
          .then([&](std::string& text) { got = std::move(text); },
                [&](caf::error& e) { FAIL("admin query failed: " << caf::to_string(e)); });
    });
    sched.run();
    if (!got)
      FAIL("the admin actor did not answer");
    return *got;
  }

  boost::json::object ask_json(protocol::admin_query query) {
    return boost::json::parse(ask(query)).as_object();
  }
};

// The entry of `list` whose `field` is `value`.
boost::json::object entry(const boost::json::value& list, const char* field, const char* value) {
  for (auto& v : list.as_array())
    if (v.as_object().at(field).as_string() == value)
      return v.as_object();
  FAIL("no entry with " << field << " = " << value << " in " << boost::json::serialize(list));
  return {};
}

} // namespace

TEST_CASE("the admin actor answers each admin query from what the actors report") {
  admin_fixture f;
  // Alice syncs now; bob has a folder but no actor.
  f.answered(start_call("alice", "s1"), "start");
  std::filesystem::create_directories(f.data_dir / "bob");
  std::ofstream(f.data_dir / "bob" / "collection.anki2") << "not empty";

  SECTION("actors") {
    auto doc = f.ask_json(protocol::admin_query::actors);
    auto alice = entry(doc.at("actors"), "user", "alice");
    CHECK(alice.at("kind").as_string() == "collection");
    CHECK(alice.at("session_state").as_string() == "syncing");
    CHECK(alice.at("processed").to_number<std::int64_t>() >= 1);
    entry(doc.at("actors"), "kind", "gateway");
    entry(doc.at("actors"), "kind", "registry");
  }
  SECTION("users") {
    auto doc = f.ask_json(protocol::admin_query::users);
    auto alice = entry(doc.at("users"), "name", "alice");
    CHECK(alice.at("resident").as_bool());
    CHECK(alice.at("session_open").as_bool());
    auto bob = entry(doc.at("users"), "name", "bob");
    CHECK_FALSE(bob.at("resident").as_bool());
    CHECK(bob.at("collection_bytes").to_number<std::int64_t>() == 9);
  }
  SECTION("stats") {
    auto doc = f.ask_json(protocol::admin_query::stats);
    CHECK(doc.at("resident_actors").to_number<std::int64_t>() == 1);
    CHECK(doc.at("profile").as_string() == "test");
  }
  SECTION("metrics") {
    auto text = f.ask(protocol::admin_query::metrics);
    CHECK_THAT(text, Catch::Contains("\nankisync_sync_sessions_open 1\n"));
    CHECK_THAT(text, Catch::Contains("\nankisync_sync_sessions_started_total 1\n"));
  }
  SECTION("errors") {
    f.counters.failures.add({1'750'000'000'000, 409, false, "POST", "/sync/applyGraves", "alice",
                             "active sync with different key"});
    auto doc = f.ask_json(protocol::admin_query::errors);
    CHECK(doc.at("total").to_number<std::int64_t>() == 1);
    auto e = entry(doc.at("errors"), "uri", "/sync/applyGraves");
    CHECK(e.at("status").to_number<std::int64_t>() == 409);
    CHECK(e.at("user").as_string() == "alice");
  }
}
