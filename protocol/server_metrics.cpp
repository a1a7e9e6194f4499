#include "protocol/server_metrics.hpp"

#include <algorithm>

namespace ankisync::protocol {

route_family family_of_path(std::string_view path) {
  if (path.starts_with("/sync/"))
    return route_family::sync;
  if (path.starts_with("/msync/"))
    return route_family::msync;
  return route_family::other;
}

request_method method_of(std::string_view method) {
  if (method == "GET")
    return request_method::get;
  if (method == "POST")
    return request_method::post;
  return request_method::other;
}

status_class class_of_status(int status, bool cut) {
  if (cut || status < 100 || status > 599)
    return status_class::cut;
  return static_cast<status_class>(status / 100 - 1);
}

std::size_t duration_histogram::slot_of(std::chrono::nanoseconds d) {
  // `le` is inclusive: an observation equal to a bound belongs to it.
  const auto it = std::lower_bound(
      duration_buckets.begin(), duration_buckets.end(), d.count(),
      [](const duration_bucket& b, std::int64_t ns) { return b.upper_ns < ns; });
  return static_cast<std::size_t>(it - duration_buckets.begin());
}

void duration_histogram::observe(std::chrono::nanoseconds d) {
  if (d.count() < 0)
    d = std::chrono::nanoseconds(0); // a clock step cannot make time negative here
  slots_[slot_of(d)].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(d.count()), std::memory_order_relaxed);
}

duration_histogram::reading duration_histogram::read() const {
  reading r;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < slots; ++i) {
    running += slots_[i].load(std::memory_order_relaxed);
    r.cumulative[i] = running;
  }
  r.count = running;
  r.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return r;
}

std::uint64_t server_metrics::requests_total() const {
  std::uint64_t n = 0;
  for (const auto& c : requests)
    n += c.value();
  return n;
}

std::uint64_t server_metrics::errors_total() const {
  std::uint64_t n = 0;
  for (std::size_t f = 0; f < route_family_labels.size(); ++f)
    for (std::size_t m = 0; m < request_method_labels.size(); ++m)
      for (auto s : {status_class::client_error, status_class::server_error, status_class::cut})
        n += request(static_cast<route_family>(f), static_cast<request_method>(m), s).value();
  return n;
}

} // namespace ankisync::protocol
