#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <set>
#include <string>

#include "protocol/admin_json.hpp"

using namespace ankisync::protocol;
namespace json = boost::json;

namespace {

std::set<std::string> keys_of(const json::object& o) {
  std::set<std::string> keys;
  for (const auto& kv : o) keys.insert(std::string(kv.key()));
  return keys;
}

} // namespace

TEST_CASE("actor list has one object per actor with every field", "[admin_json]") {
  actor_snapshot a;
  a.id = 18'000'000'000'000'000'000ull; // above INT64_MAX: must stay unsigned
  a.kind = "collection";
  a.user = "alice";
  a.mailbox_size = 3;
  a.mailbox_high_water = 17;
  a.processed = 12345;
  a.last_activity_ms = 1'700'000'000'123;
  a.session_state = "syncing";
  a.waiting_requests = 2;
  actor_snapshot b;
  b.id = 2;
  b.kind = "gateway";
  b.session_state = "none";

  const json::value v = json::parse(encode_actor_list({a, b}));
  const json::object& root = v.as_object();
  CHECK(keys_of(root) == std::set<std::string>{"actors"});
  const json::array& list = root.at("actors").as_array();
  REQUIRE(list.size() == 2);

  const json::object& first = list[0].as_object();
  CHECK(keys_of(first) == std::set<std::string>{"id", "kind", "user", "mailbox_size",
                                                "mailbox_high_water", "processed",
                                                "last_activity_ms", "session_state",
                                                "waiting_requests"});
  CHECK(json::value_to<std::uint64_t>(first.at("id")) == a.id);
  CHECK(first.at("kind").as_string() == "collection");
  CHECK(first.at("user").as_string() == "alice");
  CHECK(json::value_to<std::int64_t>(first.at("mailbox_size")) == 3);
  CHECK(json::value_to<std::int64_t>(first.at("mailbox_high_water")) == 17);
  CHECK(json::value_to<std::uint64_t>(first.at("processed")) == 12345);
  CHECK(json::value_to<std::int64_t>(first.at("last_activity_ms")) == 1'700'000'000'123);
  CHECK(first.at("session_state").as_string() == "syncing");
  CHECK(json::value_to<std::int64_t>(first.at("waiting_requests")) == 2);

  const json::object& second = list[1].as_object();
  CHECK(json::value_to<std::uint64_t>(second.at("id")) == 2);
  CHECK(second.at("kind").as_string() == "gateway");
  CHECK(second.at("user").as_string() == "");
}

TEST_CASE("an empty actor list is an empty array", "[admin_json]") {
  CHECK(encode_actor_list({}) == R"({"actors":[]})");
}

TEST_CASE("server stats carry every field", "[admin_json]") {
  server_stats s;
  s.resident_actors = 4;
  s.requests = 1000;
  s.errors = 7;
  s.uptime_seconds = 86400.5;
  s.rss_bytes = 52'428'800;
  s.heap_in_use_bytes = 3'000'000;
  s.heap_free_bytes = 1'500'000;
  s.threads = 9;
  s.profile = "small\"box";
  s.last_backup_unix_s = 1'796'000'000;
  s.last_backup_ok = true;

  const json::value v = json::parse(encode_server_stats(s));
  const json::object& o = v.as_object();
  CHECK(keys_of(o) == std::set<std::string>{"resident_actors", "requests", "errors",
                                            "uptime_seconds", "rss_bytes", "heap_in_use_bytes",
                                            "heap_free_bytes", "threads", "profile",
                                            "last_backup"});
  CHECK(json::value_to<std::uint64_t>(o.at("resident_actors")) == 4);
  CHECK(json::value_to<std::uint64_t>(o.at("requests")) == 1000);
  CHECK(json::value_to<std::uint64_t>(o.at("errors")) == 7);
  CHECK(o.at("uptime_seconds").to_number<double>() == Approx(86400.5));
  CHECK(json::value_to<std::uint64_t>(o.at("rss_bytes")) == 52'428'800);
  CHECK(json::value_to<std::uint64_t>(o.at("heap_in_use_bytes")) == 3'000'000);
  CHECK(json::value_to<std::uint64_t>(o.at("heap_free_bytes")) == 1'500'000);
  CHECK(json::value_to<std::uint64_t>(o.at("threads")) == 9);
  CHECK(o.at("profile").as_string() == "small\"box");
  CHECK(o.at("last_backup").at("at").to_number<std::int64_t>() == 1'796'000'000);
  CHECK(o.at("last_backup").at("ok").as_bool());
  CHECK(json::parse(encode_server_stats(server_stats{})).at("last_backup").is_null());
}

TEST_CASE("user list has one object per user, unknown figures as -1", "[admin_json]") {
  user_summary known;
  known.name = "alice";
  known.resident = true;
  known.session_open = true;
  known.last_sync_ms = 1'795'327'505'823;
  known.collection_bytes = 1'318'912;
  known.media_bytes = 20'512'345;
  known.media_files = 312;
  known.mailbox_size = 2;
  known.processed = 31;
  known.last_activity_ms = 1'795'327'505'824;
  user_summary unknown;
  unknown.name = "bob";
  const auto doc = json::parse(encode_user_list({known, unknown}));
  const auto& users = doc.at("users").as_array();
  REQUIRE(users.size() == 2);
  const auto& a = users[0].as_object();
  CHECK(keys_of(a) == std::set<std::string>{"name", "resident", "session_open", "last_sync_ms",
                                            "collection_bytes", "media_bytes", "media_files",
                                            "mailbox_size", "processed", "last_activity_ms"});
  CHECK(a.at("name").as_string() == "alice");
  CHECK(a.at("session_open").as_bool());
  CHECK(a.at("last_sync_ms").as_int64() == 1'795'327'505'823);
  CHECK(a.at("media_files").as_int64() == 312);
  const auto& b = users[1].as_object();
  CHECK_FALSE(b.at("resident").as_bool());
  CHECK(b.at("last_sync_ms").as_int64() == -1);
  CHECK(b.at("media_bytes").as_int64() == -1);
}
