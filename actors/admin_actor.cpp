#include "actors/admin_actor.hpp"

#include <map>
#include <string>

#include "actors/blocking_pool.hpp"
#include "actors/process_stats.hpp"
#include "actors/user_folders.hpp"
#include "protocol/admin_json.hpp"
#include "protocol/metrics_text.hpp"
#include "protocol/recent_errors.hpp"

namespace ankisync::actors {

admin_actor::admin_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                         admin_config config)
    : metered(cfg, metrics, "admin"), watched_(std::move(metrics)),
      config_(std::move(config)) {}

admin_actor::behavior_type admin_actor::make_behavior() {
  return {
      [this](const admin_query_msg& msg) -> std::string {
        switch (msg.query) {
        case protocol::admin_query::actors:
          return protocol::encode_actor_list(watched_->snapshot());
        case protocol::admin_query::metrics:
          return metrics_text();
        case protocol::admin_query::users:
          return users_json();
        case protocol::admin_query::errors: {
          const auto& failures = watched_->counters().failures;
          return protocol::encode_recent_errors(failures.list(), failures.total());
        }
        case protocol::admin_query::stats:
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
  const auto heap = read_heap_stats();
  s.heap_in_use_bytes = heap.in_use_bytes;
  s.heap_free_bytes = heap.free_bytes;
  s.threads = current_thread_count();
  s.profile = config_.profile_name;
  s.last_backup_unix_s = counters.last_backup_unix_s.load(std::memory_order_relaxed);
  s.last_backup_ok = counters.last_backup_ok.load(std::memory_order_relaxed);
  return protocol::encode_server_stats(s);
}

std::string admin_actor::metrics_text() const {
  protocol::runtime_figures f;
  f.kinds = watched_->by_kind();
  f.open_sessions = watched_->open_sessions();
  if (config_.pool) {
    const auto load = config_.pool->current_load();
    f.pool_queued = load.queued;
    f.pool_busy = load.busy;
    f.pool_threads = load.threads;
  }
  const auto process = read_process_stats();
  f.rss_bytes = process.rss_bytes;
  const auto heap = read_heap_stats();
  f.heap_in_use_bytes = heap.in_use_bytes;
  f.heap_free_bytes = heap.free_bytes;
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

// No user's file is opened and no actor asked: a dashboard polling every
// few seconds costs the users nothing.
std::string admin_actor::users_json() const {
  std::map<std::string, protocol::user_summary> users;
  for (auto& folder : list_user_folders(config_.data_dir)) {
    auto& u = users[folder.name];
    u.name = std::move(folder.name);
    u.collection_bytes = folder.collection_bytes;
    // Only a sync writes the collection (and the checkpoint when its
    // actor closes after it), so its last change is about the last sync.
    u.last_sync_ms = folder.modified_ms;
  }
  for (const auto& [name, figures] : watched_->users()) {
    auto& u = users[name];
    u.name = name;
    if (figures.last_sync_ms >= 0)
      u.last_sync_ms = figures.last_sync_ms;
    u.media_bytes = figures.media_bytes;
    u.media_files = figures.media_files;
  }
  for (const auto& a : watched_->snapshot()) {
    if (a.kind != "collection")
      continue;
    auto& u = users[a.user];
    u.name = a.user;
    u.resident = true;
    u.session_open = a.session_state == "syncing";
    u.mailbox_size = a.mailbox_size;
    u.processed = a.processed;
    u.last_activity_ms = a.last_activity_ms;
  }
  std::vector<protocol::user_summary> list;
  list.reserve(users.size());
  for (auto& [name, u] : users)
    list.push_back(std::move(u));
  return protocol::encode_user_list(list);
}

} // namespace ankisync::actors
