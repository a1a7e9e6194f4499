#include "actors/registry_actor.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <malloc.h>

#include "actors/collection_actor.hpp"

namespace ankisync::actors {

registry_actor::registry_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                               registry_config config)
    : metered_actor(cfg, metrics, "registry"), config_(std::move(config)),
      metrics_(std::move(metrics)) {}

caf::behavior registry_actor::make_behavior() {
  set_down_handler([this](caf::down_msg& msg) { on_down(msg); });
  // On shutdown take every collection actor down too; they roll back any
  // open session as they go.
  set_exit_handler([this](caf::exit_msg& msg) {
    for (auto& [user, r] : users_)
      send_exit(r.handle, msg.reason);
    quit(msg.reason);
  });
  delayed_send(this, config_.tick, eviction_tick_msg{});
  return {
      [this](user_request_msg& msg) -> caf::result<sync_result_msg> { return on_request(msg); },
      [this](const evict_refused_msg& msg) { on_refused(msg.user); },
      [this](eviction_tick_msg) {
        if (closed_since_trim_ > 0) {
          // Gives the memory of closed users back to the system, so an
          // idle server shrinks back after a burst (ankisync-bench idle).
          ::malloc_trim(0);
          closed_since_trim_ = 0;
        }
        evict_idle();
        check_sessions();
        delayed_send(this, config_.tick, eviction_tick_msg{});
      },
  };
}

caf::result<sync_result_msg> registry_actor::on_request(user_request_msg& msg) {
  auto it = users_.find(msg.user);
  resident* r = it == users_.end() ? &spawn_for(msg.user) : &it->second;
  auto rp = make_response_promise();
  if (r->closing) {
    r->waiting.push_back(waiting_request{rp, std::move(msg)});
    return rp;
  }
  r->last_used = std::chrono::steady_clock::now();
  rp.delegate(r->handle, std::move(msg));
  return rp;
}

registry_actor::resident& registry_actor::spawn_for(const std::string& user) {
  make_room();
  collection_config cc{user, config_.data_dir / user, config_.profile, config_.workers};
  auto handle = spawn<collection_actor>(metrics_, std::move(cc));
  monitor(handle);
  owners_.emplace(handle.address(), user);
  auto& r = users_[user];
  r.handle = handle;
  r.last_used = std::chrono::steady_clock::now();
  return r;
}

void registry_actor::evict(resident& r) {
  r.closing = true;
  send(r.handle, evict_msg{});
}

void registry_actor::evict_idle() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [user, r] : users_)
    if (!r.closing && now - r.last_used >= config_.profile.idle_eviction)
      evict(r);
}

void registry_actor::check_sessions() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_session_check_)
    return;
  next_session_check_ = now + config_.session_check;
  for (auto& [user, r] : users_)
    if (!r.closing)
      send(r.handle, session_check_msg{});
}

void registry_actor::make_room() {
  const auto cap = std::max(1u, config_.profile.max_resident_users);
  std::size_t open = std::count_if(users_.begin(), users_.end(),
                                   [](auto& entry) { return !entry.second.closing; });
  if (open < cap)
    return;
  // Least recently used first. If every one of them is mid-sync the cap is
  // exceeded for a while rather than breaking a sync.
  auto lru = users_.end();
  for (auto it = users_.begin(); it != users_.end(); ++it)
    if (!it->second.closing && (lru == users_.end() || it->second.last_used < lru->second.last_used))
      lru = it;
  if (lru != users_.end())
    evict(lru->second);
}

void registry_actor::on_down(const caf::down_msg& msg) {
  auto owner = owners_.find(msg.source);
  if (owner == owners_.end())
    return;
  const std::string user = owner->second;
  owners_.erase(owner);
  ++closed_since_trim_;
  auto it = users_.find(user);
  if (it == users_.end())
    return;
  if (msg.reason)
    spdlog::error("collection actor of {} stopped: {}", user, caf::to_string(msg.reason));
  auto waiting = std::move(it->second.waiting);
  users_.erase(it);
  if (waiting.empty())
    return;
  auto& fresh = spawn_for(user);
  fresh.waiting = std::move(waiting);
  flush_waiting(fresh);
}

void registry_actor::on_refused(const std::string& user) {
  auto it = users_.find(user);
  if (it == users_.end())
    return;
  it->second.closing = false;
  it->second.last_used = std::chrono::steady_clock::now();
  flush_waiting(it->second);
}

void registry_actor::flush_waiting(resident& r) {
  for (auto& w : r.waiting)
    w.promise.delegate(r.handle, std::move(w.msg));
  r.waiting.clear();
  r.last_used = std::chrono::steady_clock::now();
}

} // namespace ankisync::actors
