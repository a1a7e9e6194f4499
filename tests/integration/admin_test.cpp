#include <catch2/catch.hpp>

#include "tests/integration/test_support.hpp"

using namespace ankisync::integration;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

json::array actors(server_process& server) {
  auto admin = server.admin_http();
  auto r = admin.send(get("/admin/actors"));
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  INFO("/admin/actors: " << r->body);
  auto doc = parse_json(r->body);
  REQUIRE(doc.is_object());
  REQUIRE(doc.as_object().contains("actors"));
  REQUIRE(doc.at("actors").is_array());
  return doc.at("actors").as_array();
}

bool has_kind(const json::array& list, std::string_view kind) {
  for (const auto& a : list)
    if (a.at("kind").as_string() == kind)
      return true;
  return false;
}

const json::object* collection_of(const json::array& list, std::string_view user) {
  for (const auto& a : list)
    if (a.at("kind").as_string() == "collection" && a.at("user").as_string() == user)
      return &a.as_object();
  return nullptr;
}

std::string login(server_process& server, const std::string& user, const std::string& pass) {
  auto client = server.sync_client();
  auto r = client.login(user, pass);
  REQUIRE(r.has_value());
  REQUIRE(r->ok());
  return r->host_key;
}

// One authenticated request, which wakes the user's collection actor.
void authenticated_request(server_process& server, const std::string& host_key) {
  auto client = server.sync_client();
  auto meta = client.call("meta", R"({"v":11,"cv":"ankisync-test"})", host_key);
  REQUIRE(meta.has_value());
  REQUIRE(meta->status != 403);
}

void touch_collection(server_process& server, const std::string& user, const std::string& pass) {
  authenticated_request(server, login(server, user, pass));
}

server_options with_xavier(std::vector<std::string> args = {}) {
  return server_options{{{"SYNC_USER1", "xavier:pw"}}, std::move(args)};
}

} // namespace

TEST_CASE("/admin/actors lists the gateway, registry and admin actors") {
  server_process server(with_xavier());
  auto list = actors(server);
  CHECK(has_kind(list, "gateway"));
  CHECK(has_kind(list, "registry"));
  CHECK(has_kind(list, "admin"));
  CHECK(collection_of(list, "xavier") == nullptr);
}

TEST_CASE("/admin/actors shows a collection actor with mailbox figures for a user who synced") {
  server_process server(with_xavier());
  touch_collection(server, "xavier", "pw");
  auto list = actors(server);
  INFO(json::serialize(list));
  const auto* actor = collection_of(list, "xavier");
  REQUIRE(actor != nullptr);
  for (const char* field : {"mailbox_size", "mailbox_high_water", "processed"}) {
    INFO(field);
    REQUIRE(actor->contains(field));
    CHECK(is_number(actor->at(field)));
    CHECK(as_number(actor->at(field)) >= 0);
  }
  CHECK(as_number(actor->at("processed")) >= 1);
  CHECK(as_number(actor->at("mailbox_high_water")) >= as_number(actor->at("mailbox_size")));
}

TEST_CASE("with --idle-eviction-ms 300 an unused collection actor is closed within seconds") {
  server_process server(with_xavier({"--idle-eviction-ms", "300"}));
  // The actor must be seen before it can be seen to go; on a machine too
  // busy to look within the eviction window, try again.
  const auto key = login(server, "xavier", "pw");
  bool seen = false;
  for (int attempt = 0; attempt < 3 && !seen; ++attempt) {
    const auto before = std::chrono::steady_clock::now();
    authenticated_request(server, key);
    const bool present = collection_of(actors(server), "xavier") != nullptr;
    const bool in_time = std::chrono::steady_clock::now() - before < 250ms;
    seen = present;
    if (!present && in_time)
      FAIL("no collection actor right after an authenticated request");
  }
  REQUIRE(seen);
  CHECK(eventually([&] { return collection_of(actors(server), "xavier") == nullptr; }, 5s));
  // And a later request with the same key wakes it again.
  authenticated_request(server, key);
}

TEST_CASE("/admin/stats reports requests, errors, uptime, memory and resident collections") {
  server_process server(with_xavier());
  auto admin = server.admin_http();
  json::value stats;
  auto read_stats = [&] {
    auto r = admin.send(get("/admin/stats"));
    REQUIRE(r.has_value());
    REQUIRE(r->status == 200);
    stats = parse_json(r->body);
    REQUIRE(stats.is_object());
    for (const char* field :
         {"requests", "errors", "uptime_seconds", "rss_bytes", "resident_actors",
          "heap_in_use_bytes", "heap_free_bytes", "threads"}) {
      INFO(field << " in " << r->body);
      REQUIRE(stats.as_object().contains(field));
      REQUIRE(is_number(stats.at(field)));
    }
  };
  read_stats();
  INFO("before: " << json::serialize(stats));
  CHECK(as_number(stats.at("resident_actors")) == 0);
  CHECK(as_number(stats.at("uptime_seconds")) >= 0);
  CHECK(as_number(stats.at("rss_bytes")) > 1024 * 1024);
#ifndef __SANITIZE_ADDRESS__
  // AddressSanitizer serves every allocation itself: glibc's malloc
  // statistics, where this figure comes from, stay at 0.
  CHECK(as_number(stats.at("heap_in_use_bytes")) > 0);
#endif
  CHECK(as_number(stats.at("heap_in_use_bytes")) < as_number(stats.at("rss_bytes")));
  CHECK(as_number(stats.at("threads")) >= 2);
  const double requests_before = as_number(stats.at("requests"));
  const double errors_before = as_number(stats.at("errors"));

  auto http = server.http();
  REQUIRE(http.send(get("/health")).has_value());
  REQUIRE(http.send(get("/no-such-route")).has_value());
  touch_collection(server, "xavier", "pw"); // two more requests

  // Counted once the reply is written, so the figures may lag the reply.
  CHECK(eventually(
      [&] {
        read_stats();
        return as_number(stats.at("requests")) >= requests_before + 4 &&
               as_number(stats.at("errors")) >= errors_before + 1;
      },
      3s));
  INFO("after: " << json::serialize(stats));
  CHECK(as_number(stats.at("resident_actors")) == 1);
}

TEST_CASE("with --admin-token the admin endpoint needs that token") {
  server_process server(server_options{{}, {"--admin-token", "T0ken-for-tests"}});
  auto admin = server.admin_http();
  for (const char* path : {"/admin/actors", "/admin/stats"}) {
    INFO(path);
    auto none = admin.send(get(path));
    REQUIRE(none.has_value());
    CHECK(none->status == 403);

    auto wrong = admin.send(get(path, {{"Authorization", "Bearer T0ken-for-test"}}));
    REQUIRE(wrong.has_value());
    CHECK(wrong->status == 403);

    auto bearer = admin.send(get(path, {{"Authorization", "Bearer T0ken-for-tests"}}));
    REQUIRE(bearer.has_value());
    CHECK(bearer->status == 200);
    CHECK(parse_json(bearer->body).is_object());
  }
}

TEST_CASE("the admin endpoint on a public address without a token refuses to start") {
  temp_folder folder;
  auto r = run_ankisync({"serve", "--data", (folder.path() / "data").string(), "--port", "0",
                         "--admin-port", "0", "--admin-host", "0.0.0.0", "--ready-file",
                         (folder.path() / "ready").string()},
                        {}, 10s);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.status.exited);
  CHECK(r.status.code != 0);
  CHECK(!r.status.timed_out);
  CHECK(r.err.find("token") != std::string::npos);
  CHECK(!std::filesystem::exists(folder.path() / "ready"));
}

TEST_CASE("without a token POST /admin/record is refused even from loopback while GET routes answer") {
  server_process server(with_xavier());
  auto admin = server.admin_http();
  auto on = admin.send(post("/admin/record?user=xavier&on=1", ""));
  REQUIRE(on.has_value());
  INFO(on->body);
  CHECK(on->status == 403);
  CHECK(on->body.find("--admin-open-loopback") != std::string::npos);
  // Nothing was switched on.
  auto status = admin.send(get("/admin/record"));
  REQUIRE(status.has_value());
  CHECK(status->status == 200);
  CHECK(parse_json(status->body).at("users").as_array().empty());
  for (const char* path : {"/admin/actors", "/admin/stats"}) {
    auto r = admin.send(get(path));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
  }
}

TEST_CASE("with --admin-open-loopback POST /admin/record from loopback needs no token") {
  server_process server(with_xavier({"--admin-open-loopback"}));
  auto admin = server.admin_http();
  auto on = admin.send(post("/admin/record?user=xavier&on=1", ""));
  REQUIRE(on.has_value());
  INFO(on->body);
  CHECK(on->status == 200);
  CHECK(parse_json(on->body).at("users").as_array().size() == 1);
}

TEST_CASE("with --admin-token POST /admin/record needs that token") {
  server_process server(with_xavier({"--admin-token", "T0ken-for-tests"}));
  auto admin = server.admin_http();
  auto none = admin.send(post("/admin/record?user=xavier&on=1", ""));
  REQUIRE(none.has_value());
  CHECK(none->status == 403);
  auto with = admin.send(
      post("/admin/record?user=xavier&on=1", "", {{"X-Admin-Token", "T0ken-for-tests"}}));
  REQUIRE(with.has_value());
  INFO(with->body);
  CHECK(with->status == 200);
}
