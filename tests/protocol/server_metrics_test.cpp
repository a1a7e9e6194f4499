#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "protocol/server_metrics.hpp"

using namespace ankisync::protocol;
using namespace std::chrono_literals;

TEST_CASE("a duration on a bucket's bound lands in that bucket, one nanosecond more in the next") {
  CHECK(duration_histogram::slot_of(0ns) == 0);
  CHECK(duration_histogram::slot_of(100us) == 0);
  CHECK(duration_histogram::slot_of(100us + 1ns) == 1);
  CHECK(duration_histogram::slot_of(1ms) == 3);
  CHECK(duration_histogram::slot_of(60s) == duration_buckets.size() - 1);
  // Past the last bound: the +Inf slot.
  CHECK(duration_histogram::slot_of(60s + 1ns) == duration_buckets.size());
  CHECK(duration_histogram::slot_of(1h) == duration_buckets.size());
}

TEST_CASE("histogram readings are cumulative, end at the count and sum the observations") {
  duration_histogram h;
  h.observe(50us);   // slot 0
  h.observe(700us);  // le 0.001
  h.observe(700us);
  h.observe(2min);   // +Inf only
  const auto r = h.read();
  CHECK(r.cumulative[0] == 1);
  CHECK(r.cumulative[2] == 1);  // le 0.0005
  CHECK(r.cumulative[3] == 3);  // le 0.001
  CHECK(r.cumulative[duration_buckets.size() - 1] == 3); // le 60
  CHECK(r.cumulative.back() == 4);
  CHECK(r.count == 4);
  CHECK(r.sum_seconds == Approx(120.00145));
}

TEST_CASE("bucket bounds rise and their le strings say the same number") {
  for (std::size_t i = 0; i < duration_buckets.size(); ++i) {
    INFO(duration_buckets[i].le);
    CHECK(std::stod(std::string(duration_buckets[i].le)) * 1e9 ==
          Approx(static_cast<double>(duration_buckets[i].upper_ns)));
    if (i > 0)
      CHECK(duration_buckets[i].upper_ns > duration_buckets[i - 1].upper_ns);
  }
  CHECK(duration_buckets.front().upper_ns == 100'000);      // 0.1 ms
  CHECK(duration_buckets.back().upper_ns == 60'000'000'000); // 60 s
}

TEST_CASE("paths, methods and statuses map to their label slots") {
  CHECK(family_of_path("/sync/meta") == route_family::sync);
  CHECK(family_of_path("/msync/begin") == route_family::msync);
  CHECK(family_of_path("/sync") == route_family::other);
  CHECK(family_of_path("/metrics") == route_family::other);
  CHECK(method_of("GET") == request_method::get);
  CHECK(method_of("POST") == request_method::post);
  CHECK(method_of("HEAD") == request_method::other);
  CHECK(class_of_status(200, false) == status_class::success);
  CHECK(class_of_status(409, false) == status_class::client_error);
  CHECK(class_of_status(503, false) == status_class::server_error);
  CHECK(class_of_status(200, true) == status_class::cut);
  CHECK(class_of_status(0, false) == status_class::cut);
}

TEST_CASE("requests and errors for /admin/stats sum the per-label counters") {
  server_metrics m;
  m.request(route_family::sync, request_method::post, status_class::success).add(3);
  m.request(route_family::msync, request_method::get, status_class::client_error).add();
  m.request(route_family::other, request_method::get, status_class::server_error).add();
  m.request(route_family::sync, request_method::post, status_class::cut).add();
  m.request(route_family::other, request_method::get, status_class::redirect).add();
  CHECK(m.requests_total() == 7);
  CHECK(m.errors_total() == 3);
}

TEST_CASE("counters added from many threads lose nothing") {
  server_metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        m.sessions_started.add();
        m.duration(request_method::post).observe(1ms);
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(m.sessions_started.value() == 40000);
  CHECK(m.request_duration[1].read().count == 40000);
}
