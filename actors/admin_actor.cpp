#include "actors/admin_actor.hpp"

#include <malloc.h>

#include <string>

#include "actors/blocking_pool.hpp"
#include "actors/process_stats.hpp"
#include "protocol/admin_json.hpp"
#include "protocol/metrics_text.hpp"

namespace ankisync::actors {

admin_actor::admin_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                         admin_config config)
    : metered_actor(cfg, metrics, "admin"), watched_(std::move(metrics)),
      config_(std::move(config)) {}

caf::behavior admin_actor::make_behavior() {
  return {
      [this](const admin_query_msg& msg) -> std::string {
        switch (msg.query) {
        case net::admin_query::actors:
          return protocol::encode_actor_list(watched_->snapshot());
        case net::admin_query::metrics:
          return metrics_text();
        case net::admin_query::stats:
          break;
        }
        return stats_json();
      },
  };
}

std::string admin_actor::stats_json() const {
  const auto& counters = watched_->counters();
  protocol::server_stats s;
  s.resident_actors = watched_->count_of("collection");
  s.requests = counters.requests_total();
  s.errors = counters.errors_total();
  s.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - config_.started).count();
  s.rss_bytes = current_rss_bytes();
  const struct mallinfo2 heap = ::mallinfo2(); // every arena, not only the main one
  s.heap_in_use_bytes = heap.uordblks + heap.hblkhd;
  s.heap_free_bytes = heap.fordblks;
  s.threads = current_thread_count();
  s.profile = config_.profile_name;
  s.last_backup_unix_s = counters.last_backup_unix_s.load(std::memory_order_relaxed);
  s.last_backup_ok = counters.last_backup_ok.load(std::memory_order_relaxed);
  return protocol::encode_server_stats(s);
}

std::string admin_actor::metrics_text() const {
  protocol::runtime_figures f;
  f.kinds = watched_->by_kind();
  if (config_.pool) {
    const auto load = config_.pool->current_load();
    f.pool_queued = load.queued;
    f.pool_busy = load.busy;
    f.pool_threads = load.threads;
  }
  const auto process = read_process_stats();
  f.rss_bytes = process.rss_bytes;
  f.open_fds = process.open_fds;
  f.max_fds = process.max_fds;
  f.threads = process.threads;
  f.cpu_seconds = process.cpu_seconds;
  f.start_time_seconds = process.start_time_seconds;
  f.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - config_.started).count();
  f.version = ANKISYNC_VERSION;
  f.profile = config_.profile_name;
  return protocol::render_metrics(watched_->counters(), f);
}

} // namespace ankisync::actors
