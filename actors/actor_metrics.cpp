#include "actors/actor_metrics.hpp"

#include <algorithm>
#include <chrono>

namespace ankisync::actors {

const char* to_string(session_state s) {
  switch (s) {
  case session_state::none:
    return "none";
  case session_state::syncing:
    return "syncing";
  case session_state::closing:
    return "closing";
  }
  return "unknown";
}

void actor_metrics::on_take() {
  mailbox.fetch_sub(1, std::memory_order_relaxed);
  processed.fetch_add(1, std::memory_order_relaxed);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  last_activity_ms.store(now, std::memory_order_relaxed);
}

protocol::actor_snapshot actor_metrics::snapshot() const {
  protocol::actor_snapshot s;
  s.id = id;
  s.kind = kind;
  s.user = user;
  // A sender may have counted a message a moment before the actor took it.
  s.mailbox_size = std::max<std::int64_t>(0, mailbox.load(std::memory_order_relaxed));
  s.mailbox_high_water = high_water.load(std::memory_order_relaxed);
  s.processed = processed.load(std::memory_order_relaxed);
  s.last_activity_ms = last_activity_ms.load(std::memory_order_relaxed);
  s.session_state = to_string(static_cast<session_state>(session.load(std::memory_order_relaxed)));
  s.waiting_requests = waiting_requests.load(std::memory_order_relaxed);
  return s;
}

std::shared_ptr<actor_metrics> metrics_registry::add(std::uint64_t id, std::string kind,
                                                     std::string user) {
  auto m = std::make_shared<actor_metrics>(id, std::move(kind), std::move(user));
  std::lock_guard lock(mutex_);
  actors_[id] = m;
  return m;
}

void metrics_registry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  actors_.erase(id);
}

std::vector<protocol::actor_snapshot> metrics_registry::snapshot() const {
  std::vector<protocol::actor_snapshot> out;
  std::lock_guard lock(mutex_);
  out.reserve(actors_.size());
  for (auto& [id, m] : actors_)
    out.push_back(m->snapshot());
  return out;
}

std::size_t metrics_registry::count_of(const std::string& kind) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (auto& [id, m] : actors_)
    n += m->kind == kind;
  return n;
}

std::vector<protocol::actor_kind_figures> metrics_registry::by_kind() const {
  std::vector<protocol::actor_kind_figures> out;
  std::lock_guard lock(mutex_);
  for (auto& [id, m] : actors_) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& k) { return k.kind == m->kind; });
    if (it == out.end())
      it = out.insert(out.end(), protocol::actor_kind_figures{m->kind, 0, 0, 0});
    const auto size =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, m->mailbox.load(std::memory_order_relaxed)));
    ++it->actors;
    it->mailbox_sum += size;
    it->mailbox_max = std::max(it->mailbox_max, size);
  }
  return out;
}

std::uint64_t metrics_registry::open_sessions() const {
  std::lock_guard lock(mutex_);
  std::uint64_t n = 0;
  for (auto& [id, m] : actors_)
    n += m->session.load(std::memory_order_relaxed) == static_cast<int>(session_state::syncing);
  return n;
}

void metrics_registry::note_sync(const std::string& user) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::lock_guard lock(mutex_);
  users_[std::pmr::string(user)].last_sync_ms = now;
}

void metrics_registry::note_media(const std::string& user, std::int64_t bytes,
                                  std::int64_t files) {
  std::lock_guard lock(mutex_);
  auto& u = users_[std::pmr::string(user)];
  u.media_bytes = bytes;
  u.media_files = files;
}

std::map<std::string, user_figures> metrics_registry::users() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, user_figures> out;
  for (const auto& [name, figures] : users_)
    out.emplace_hint(out.end(), std::string(name), figures);
  return out;
}

} // namespace ankisync::actors
