// GET /metrics against the real binary: the document parses with a strict
// reader of the exposition format, and the counters move by exactly what a
// reference client did (login, full upload, normal sync, media upload).

#include <catch2/catch.hpp>

#include "tests/integration/exposition_parser.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/test_support.hpp"
#include "tools/client/device.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using namespace std::chrono_literals;

namespace {

exposition scrape(const server_process& server, const client::header_list& headers = {}) {
  auto admin = server.admin_http();
  auto r = admin.send(get("/metrics", headers));
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  const auto* type = r->header("content-type");
  REQUIRE(type != nullptr);
  CHECK(type->starts_with("text/plain; version=0.0.4"));
  auto parsed = parse_exposition(r->body);
  INFO("/metrics:\n" << r->body);
  if (!parsed)
    FAIL("not valid exposition text: " << parsed.error());
  return std::move(*parsed);
}

// Counters are added once a reply is written, a moment after the client
// has read it: scrape until `ready` holds (or give up and check anyway).
exposition scrape_until(const server_process& server, const std::function<bool(const exposition&)>& ready) {
  std::optional<exposition> last;
  eventually([&] {
    last = scrape(server);
    return ready(*last);
  }, 3s);
  return std::move(*last);
}

double delta(const exposition& before, const exposition& after, std::string_view name,
             const label_list& labels = {}) {
  return after.value(name, labels) - before.value(name, labels);
}

} // namespace

TEST_CASE("/metrics counts a reference client's login, full upload, sync and media upload exactly") {
  server_process server(server_options{{{"SYNC_USER1", "mia:secret"}}, {}});
  temp_folder folder;
  auto client = server.sync_client();
  auto device = [&] {
    auto d = client::device::create(folder.path() / "device");
    REQUIRE(d.has_value());
    return std::move(*d);
  }();
  const auto before = scrape(server);
  CHECK(before.value("ankisync_resident_collections") == 0);
  CHECK(before.value("ankisync_build_info", {{"version", "0.1.0"}, {"profile", "server"}}) == 1);

  // One wrong password, one right.
  auto wrong = server.sync_client().login("mia", "not-it");
  REQUIRE(wrong.has_value());
  CHECK(wrong->status == 403);
  REQUIRE(device.login(client, "mia", "secret").has_value());
  REQUIRE(device.add_note({"front", "back"}).has_value());
  auto first = device.sync(client);
  REQUIRE(first.has_value());
  // A new device's own collection: the server asks for a full sync.
  REQUIRE(device.full_upload(client).has_value());
  REQUIRE(device.add_note({"second", "note"}).has_value());
  auto normal = device.sync(client);
  INFO(client::describe(normal));
  REQUIRE(normal.has_value());
  CHECK(normal->kind == client::sync_outcome_kind::normal_sync_done);

  constexpr int media_files = 3;
  for (int i = 0; i < media_files; ++i)
    REQUIRE(device.add_media("m" + std::to_string(i) + ".jpg", std::string(100 + i, 'x')).has_value());
  auto media = device.media_sync(client);
  REQUIRE(media.has_value());
  CHECK(media->uploaded == media_files);

  // A session step with a key nobody started: 409.
  auto conflict = client.call("chunk", "{}", device.host_key(), "no-such-session");
  REQUIRE(conflict.has_value());
  CHECK(conflict->status == 409);

  const auto after = scrape_until(server, [](const exposition& e) {
    return e.value("ankisync_http_conflicts_total") >= 1;
  });

  CHECK(delta(before, after, "ankisync_logins_total", {{"result", "ok"}}) == 1);
  CHECK(delta(before, after, "ankisync_logins_total", {{"result", "failed"}}) == 1);
  CHECK(delta(before, after, "ankisync_logins_total", {{"result", "throttled"}}) == 0);
  CHECK(delta(before, after, "ankisync_http_conflicts_total") == 1);
  CHECK(delta(before, after, "ankisync_http_payload_too_large_total") == 0);
  CHECK(delta(before, after, "ankisync_full_uploads_total") == 1);
  CHECK(delta(before, after, "ankisync_full_upload_bytes_total") > 1000);
  CHECK(delta(before, after, "ankisync_full_downloads_total") == 0);
  CHECK(delta(before, after, "ankisync_media_files_uploaded_total") == media_files);
  CHECK(delta(before, after, "ankisync_media_files_downloaded_total") == 0);
  CHECK(delta(before, after, "ankisync_media_upload_bytes_total") > 0);
  CHECK(delta(before, after, "ankisync_media_download_bytes_total") == 0);
  CHECK(delta(before, after, "ankisync_full_upload_duration_seconds_count") == 1);
  CHECK(delta(before, after, "ankisync_full_download_duration_seconds_count") == 0);
  CHECK(delta(before, after, "ankisync_sync_sessions_timed_out_total") == 0);
#ifndef __SANITIZE_ADDRESS__
  // AddressSanitizer serves every allocation itself: glibc's malloc
  // statistics, where this figure comes from, stay at 0.
  CHECK(after.value("ankisync_heap_in_use_bytes") > 0);
#endif
  CHECK(after.value("ankisync_sync_sessions_open") == 0);
  // The first sync asked for a full sync before any session began (its
  // start says so) or began one the upload then ended; the second ran
  // start .. finish.
  CHECK(delta(before, after, "ankisync_sync_sessions_finished_total") == 1);
  CHECK(delta(before, after, "ankisync_sync_sessions_started_total") ==
        delta(before, after, "ankisync_sync_sessions_finished_total") +
            delta(before, after, "ankisync_sync_sessions_aborted_total"));
  CHECK(after.value("ankisync_resident_collections") == 1);
  CHECK(after.value("ankisync_actors", {{"kind", "collection"}}) == 1);

  // The 403 and the 409 are the only sync-family client errors; media
  // calls all went well.
  CHECK(delta(before, after, "ankisync_http_requests_total",
              {{"family", "sync"}, {"method", "POST"}, {"status", "4xx"}}) == 2);
  CHECK(after.sum("ankisync_http_requests_total", {{"family", "msync"}, {"status", "2xx"}}) >= 2); // begin, uploadChanges, ...
  CHECK(after.sum("ankisync_http_requests_total", {{"family", "msync"}, {"status", "4xx"}}) == 0);
  // Every request is in its method's histogram: POST counts agree.
  CHECK(after.value("ankisync_http_request_duration_seconds_count", {{"method", "POST"}}) ==
        after.sum("ankisync_http_requests_total", {{"method", "POST"}}));
  CHECK(after.value("ankisync_http_request_duration_seconds_sum", {{"method", "POST"}}) > 0);
  CHECK(delta(before, after, "ankisync_http_received_bytes_total") >
        delta(before, after, "ankisync_full_upload_bytes_total"));

  // Counters never go down between scrapes.
  for (const auto& [key, value] : before.samples) {
    const auto name = key.substr(0, key.find('{'));
    const auto base = name.ends_with("_bucket") || name.ends_with("_count") || name.ends_with("_sum")
                          ? name.substr(0, name.rfind('_'))
                          : name;
    const auto type = before.types.count(name) ? before.types.at(name)
                                               : before.types.count(base) ? before.types.at(base) : "";
    if (type == "counter" || type == "histogram") {
      INFO(key);
      CHECK(after.samples.at(key) >= value);
    }
  }

  CHECK(after.value("process_open_fds") > 0);
  CHECK(after.value("process_threads") >= 2);
  CHECK(after.value("process_resident_memory_bytes") > 1024 * 1024);
  CHECK(after.value("ankisync_uptime_seconds") > 0);
  CHECK(after.value("ankisync_blocking_pool_threads") >= 1);
}

TEST_CASE("/admin/stats reads the same request counters as /metrics") {
  server_process server;
  auto http = server.http();
  REQUIRE(http.send(get("/health")).has_value());
  REQUIRE(http.send(get("/no-such-route")).has_value());
  const auto e = scrape_until(server, [](const exposition& e) {
    return e.sum("ankisync_http_requests_total", {{"family", "other"}, {"status", "4xx"}}) >= 1;
  });
  auto r = server.admin_http().send(get("/admin/stats"));
  REQUIRE(r.has_value());
  const auto stats = parse_json(r->body);
  // The stats request itself is not counted yet when it is answered; the
  // scrape before it is.
  CHECK(as_number(stats.at("requests")) == e.sum("ankisync_http_requests_total") + 1);
  CHECK(as_number(stats.at("errors")) == 1);
}

TEST_CASE("a body over the payload limit is counted as a 413") {
  server_process server(server_options{{{"SYNC_USER1", "mia:secret"}, {"MAX_SYNC_PAYLOAD_MEGS", "1"}}, {}});
  auto http = server.http();
  auto r = http.send(post("/sync/upload", std::string(2 << 20, 'z')));
  REQUIRE(r.has_value());
  CHECK(r->status == 413);
  const auto e = scrape_until(server, [](const exposition& e) {
    return e.value("ankisync_http_payload_too_large_total") >= 1;
  });
  CHECK(e.value("ankisync_http_payload_too_large_total") == 1);
  CHECK(e.value("ankisync_full_uploads_total") == 0);
}

TEST_CASE("with --admin-token /metrics needs that token like the other admin GET routes") {
  server_process server(server_options{{}, {"--admin-token", "T0ken-for-tests"}});
  auto admin = server.admin_http();
  auto none = admin.send(get("/metrics"));
  REQUIRE(none.has_value());
  CHECK(none->status == 403);
  auto post_it = admin.send(post("/metrics", "", {{"Authorization", "Bearer T0ken-for-tests"}}));
  REQUIRE(post_it.has_value());
  CHECK(post_it->status == 405);
  scrape(server, {{"Authorization", "Bearer T0ken-for-tests"}});
}
