#include <catch2/catch.hpp>

#include "protocol/metrics_text.hpp"
#include "tests/integration/exposition_parser.hpp"

using namespace ankisync::protocol;
using ankisync::integration::parse_exposition;
using namespace std::chrono_literals;

TEST_CASE("the writer escapes label values and help text as the format says") {
  exposition_writer w;
  w.declare("x_total", metric_type::counter, "a \\ and a\nnewline");
  w.sample("x_total", {{"kind", "a\"b\\c\nd"}}, std::uint64_t{7});
  const auto text = w.take();
  CHECK(text == "# HELP x_total a \\\\ and a\\nnewline\n# TYPE x_total counter\n"
                "x_total{kind=\"a\\\"b\\\\c\\nd\"} 7\n");
  auto parsed = parse_exposition(text);
  INFO((parsed ? "" : parsed.error()));
  REQUIRE(parsed);
  CHECK(parsed->value("x_total", {{"kind", "a\"b\\c\nd"}}) == 7);
}

TEST_CASE("a histogram is written cumulative with +Inf equal to _count") {
  duration_histogram h;
  h.observe(300us);
  h.observe(3s);
  h.observe(90s);
  exposition_writer w;
  w.declare("d_seconds", metric_type::histogram, "durations");
  w.histogram("d_seconds", {{"method", "GET"}}, h.read());
  const auto text = w.take();
  INFO(text);
  CHECK(text.find("d_seconds_bucket{method=\"GET\",le=\"0.00025\"} 0\n") != std::string::npos);
  CHECK(text.find("d_seconds_bucket{method=\"GET\",le=\"0.0005\"} 1\n") != std::string::npos);
  CHECK(text.find("d_seconds_bucket{method=\"GET\",le=\"5\"} 2\n") != std::string::npos);
  CHECK(text.find("d_seconds_bucket{method=\"GET\",le=\"60\"} 2\n") != std::string::npos);
  CHECK(text.find("d_seconds_bucket{method=\"GET\",le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("d_seconds_count{method=\"GET\"} 3\n") != std::string::npos);
  auto parsed = parse_exposition(text);
  INFO((parsed ? "" : parsed.error()));
  REQUIRE(parsed);
  CHECK(parsed->value("d_seconds_sum", {{"method", "GET"}}) == Approx(93.0003));
}

TEST_CASE("the whole document parses strictly and carries every family with its figures") {
  server_metrics m;
  m.request(route_family::msync, request_method::post, status_class::success).add(4);
  m.duration(request_method::post).observe(20ms);
  m.login(login_result::throttled).add(2);
  m.media_files_uploaded.add(5);
  runtime_figures f;
  f.kinds = {{"collection", 3, 4, 2}, {"gateway", 1, 0, 0}};
  f.pool_queued = 6;
  f.rss_bytes = 1234;
  f.version = "1.2.3";
  f.profile = "pi";
  f.uptime_seconds = 1.5;
  const auto text = render_metrics(m, f);
  auto parsed = parse_exposition(text);
  INFO((parsed ? "" : parsed.error()));
  REQUIRE(parsed);
  const auto& e = *parsed;
  CHECK(e.value("ankisync_http_requests_total",
                {{"family", "msync"}, {"method", "POST"}, {"status", "2xx"}}) == 4);
  CHECK(e.value("ankisync_http_requests_total",
                {{"family", "sync"}, {"method", "GET"}, {"status", "cut"}}) == 0);
  CHECK(e.value("ankisync_http_request_duration_seconds_count", {{"method", "POST"}}) == 1);
  CHECK(e.value("ankisync_logins_total", {{"result", "throttled"}}) == 2);
  CHECK(e.value("ankisync_media_files_uploaded_total") == 5);
  CHECK(e.value("ankisync_resident_collections") == 3);
  CHECK(e.value("ankisync_actor_mailbox_size_sum", {{"kind", "collection"}}) == 4);
  CHECK(e.value("ankisync_actor_mailbox_size_max", {{"kind", "collection"}}) == 2);
  CHECK(e.value("ankisync_blocking_pool_queued_jobs") == 6);
  CHECK(e.value("process_resident_memory_bytes") == 1234);
  CHECK(e.value("ankisync_uptime_seconds") == 1.5);
  CHECK(e.value("ankisync_build_info", {{"version", "1.2.3"}, {"profile", "pi"}}) == 1);
  for (auto name : {"ankisync_http_requests_total", "ankisync_logins_total",
                    "ankisync_sync_sessions_aborted_total", "process_cpu_seconds_total"})
    CHECK(e.types.at(name) == "counter");
  CHECK(e.types.at("ankisync_http_request_duration_seconds") == "histogram");
  CHECK(e.types.at("ankisync_resident_collections") == "gauge");
}

TEST_CASE("the strict reader refuses what the format forbids") {
  auto bad = [](std::string text) { return !parse_exposition(text).has_value(); };
  CHECK(bad("x 1\n"));                                        // no TYPE
  CHECK(bad("# TYPE x counter\nx 1"));                        // no final newline
  CHECK(bad("# TYPE x counter\nx{a=\"b} 1\n"));               // unterminated value
  CHECK(bad("# TYPE x counter\nx{1a=\"b\"} 1\n"));            // label name
  CHECK(bad("# TYPE x counter\nx{a=\"\\t\"} 1\n"));           // escape
  CHECK(bad("# TYPE x counter\nx 1\nx 2\n"));                 // series twice
  CHECK(bad("# TYPE x counter\n# TYPE y gauge\ny 1\nx 1\n")); // groups split
  CHECK(bad("# a comment\n"));
  CHECK(bad("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum 1\nh_count 1\n")); // not cumulative
  CHECK(bad("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
            "h_sum 1\nh_count 3\n")); // +Inf != count
  CHECK(bad("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n")); // no +Inf
  CHECK(!bad("# HELP x a\n# TYPE x counter\nx{a=\"\\\"\"} 1 1700000000000\n"));
}
