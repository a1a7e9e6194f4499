#include "actors/admin_actor.hpp"

#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "protocol/admin_json.hpp"

namespace ankisync::actors {

namespace {

std::uint64_t thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Threads:", 0) == 0)
      return std::stoull(line.substr(8));
  return 0;
}

} // namespace

std::uint64_t current_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident))
    return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

admin_actor::admin_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                         admin_config config)
    : metered_actor(cfg, metrics, "admin"), watched_(std::move(metrics)),
      config_(std::move(config)) {}

caf::behavior admin_actor::make_behavior() {
  return {
      [this](const admin_query_msg& msg) -> std::string {
        if (msg.query == net::admin_query::actors)
          return protocol::encode_actor_list(watched_->snapshot());
        return stats_json();
      },
  };
}

std::string admin_actor::stats_json() const {
  protocol::server_stats s;
  s.resident_actors = watched_->count_of("collection");
  if (config_.counters) {
    s.requests = config_.counters->requests.load(std::memory_order_relaxed);
    s.errors = config_.counters->errors.load(std::memory_order_relaxed);
  }
  s.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - config_.started).count();
  s.rss_bytes = current_rss_bytes();
  const struct mallinfo2 heap = ::mallinfo2(); // every arena, not only the main one
  s.heap_in_use_bytes = heap.uordblks + heap.hblkhd;
  s.heap_free_bytes = heap.fordblks;
  s.threads = thread_count();
  s.profile = config_.profile_name;
  return protocol::encode_server_stats(s);
}

} // namespace ankisync::actors
