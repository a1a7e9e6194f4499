#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory_resource>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "protocol/admin_json.hpp"
#include "protocol/metrics_text.hpp"
#include "protocol/server_metrics.hpp"

namespace ankisync::actors {

enum class session_state : int { none = 0, syncing = 1, closing = 2 };
const char* to_string(session_state s);

// Live counters of one actor, written by whoever sends to it (enqueue) and
// by the actor itself (take), read by the admin endpoint from any thread
// without stopping the actor. CAF 0.17's own mailbox().size() may only be
// called by the actor, so the mailbox size is counted here instead.
struct actor_metrics {
  actor_metrics(std::uint64_t id, std::string kind, std::string user)
      : id(id), kind(std::move(kind)), user(std::move(user)) {}

  const std::uint64_t id;
  const std::string kind;
  const std::string user;

  std::atomic<std::int64_t> mailbox{0};
  std::atomic<std::int64_t> high_water{0};
  std::atomic<std::uint64_t> processed{0};
  std::atomic<std::int64_t> last_activity_ms{0};
  std::atomic<int> session{0};
  // Collection actors: requests of other devices waiting for the open
  // sync session (their start, upload or download).
  std::atomic<std::int64_t> waiting_requests{0};

  void on_enqueue() {
    auto now = mailbox.fetch_add(1, std::memory_order_relaxed) + 1;
    auto seen = high_water.load(std::memory_order_relaxed);
    while (now > seen && !high_water.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
  }
  void on_take();
  // Undoes on_take for a message the actor skipped (it stays queued).
  void on_untake() {
    mailbox.fetch_add(1, std::memory_order_relaxed);
    processed.fetch_sub(1, std::memory_order_relaxed);
  }
  void set_session(session_state s) { session.store(static_cast<int>(s), std::memory_order_relaxed); }
  void set_waiting(std::int64_t n) { waiting_requests.store(n, std::memory_order_relaxed); }

  protocol::actor_snapshot snapshot() const;
};

// What the dashboard shows of a user beyond their actor, kept after the
// actor closes. -1: not known since the server started.
struct user_figures {
  std::int64_t last_sync_ms = -1; // Unix ms of the last finished or full sync
  std::int64_t media_bytes = -1;
  std::int64_t media_files = -1;
};

// Every live actor's metrics, so the admin endpoint can list them, and the
// server's counters (protocol/server_metrics.hpp), which actors add to.
class metrics_registry {
public:
  // `counters` must outlive the registry.
  explicit metrics_registry(protocol::server_metrics& counters) : counters_(counters) {}
  protocol::server_metrics& counters() const { return counters_; }

  std::shared_ptr<actor_metrics> add(std::uint64_t id, std::string kind, std::string user = {});
  void remove(std::uint64_t id);
  std::vector<protocol::actor_snapshot> snapshot() const;
  std::size_t count_of(const std::string& kind) const;
  // Per kind: how many actors, their mailboxes' total and longest. One
  // pass under the lock, copying no per-actor strings.
  std::vector<protocol::actor_kind_figures> by_kind() const;
  // Collection actors with a sync session open.
  std::uint64_t open_sessions() const;

  // Written by a user's collection actor (a few times per sync), read by
  // GET /admin/users.
  void note_sync(const std::string& user);
  void note_media(const std::string& user, std::int64_t bytes, std::int64_t files);
  std::map<std::string, user_figures> users() const;

private:
  protocol::server_metrics& counters_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::shared_ptr<actor_metrics>> actors_;
  // Users' entries live as long as the server and are added mid-sync: from
  // the heap they would sit scattered among a sync's short-lived blocks
  // and keep malloc_trim from giving those pages back after the users go
  // idle (2 MB more RSS with 1,000 users on the pi profile). A pool keeps
  // them together in a few large blocks.
  std::pmr::unsynchronized_pool_resource user_pool_;
  std::pmr::map<std::pmr::string, user_figures> users_{&user_pool_};
};

} // namespace ankisync::actors
