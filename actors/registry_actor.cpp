#include "actors/registry_actor.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <malloc.h>

#include "actors/collection_actor.hpp"

namespace ankisync::actors {

registry_actor::registry_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                               registry_config config)
    : metered(cfg, metrics, "registry"), config_(std::move(config)),
      metrics_(std::move(metrics)) {}

// Handles dropped at the stop: see gateway_actor::on_exit.
void registry_actor::on_exit() {
  gateway_ = gateway_iface{};
  config_.workers = worker_iface{};
  users_.clear();
  owners_.clear();
  metered::on_exit();
}

registry_actor::behavior_type registry_actor::make_behavior() {
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
      [this](const find_user_msg& msg) -> caf::result<collection_iface> { return on_find(msg.user); },
      [this](const gateway_is_msg& msg) { gateway_ = msg.gateway; },
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

std::chrono::steady_clock::time_point registry_actor::resident::last_used() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_request->load(std::memory_order_relaxed)));
}

void registry_actor::resident::touch() {
  last_request->store(std::chrono::steady_clock::now().time_since_epoch().count(),
                      std::memory_order_relaxed);
}

caf::result<collection_iface> registry_actor::on_find(const std::string& user) {
  auto it = users_.find(user);
  resident* r = it == users_.end() ? &spawn_for(user) : &it->second;
  if (r->closing) {
    auto rp = make_response_promise<collection_iface>();
    r->waiting.push_back(rp);
    return rp;
  }
  r->touch();
  return r->handle;
}

registry_actor::resident& registry_actor::spawn_for(const std::string& user) {
  make_room();
  auto last_request = std::make_shared<std::atomic<std::int64_t>>(
      std::chrono::steady_clock::now().time_since_epoch().count());
  auto waiting_requests = std::make_shared<std::atomic<std::int32_t>>(0);
  collection_config cc{user,         config_.data_dir / user, config_.profile, config_.workers,
                       last_request, waiting_requests, config_.data_dir / "users.db"};
  auto handle = spawn<collection_actor>(metrics_, std::move(cc));
  monitor(handle);
  owners_.emplace(handle.address(), user);
  auto& r = users_[user];
  r.handle = handle;
  r.last_request = std::move(last_request);
  r.waiting_requests = std::move(waiting_requests);
  return r;
}

void registry_actor::evict(resident& r, const std::string& user) {
  r.closing = true;
  // Through the gateway, which must forget the handle before the actor
  // goes; before the gateway is known no request can have reached it.
  if (gateway_)
    send(gateway_, evict_user_msg{user, r.handle});
  else
    send(r.handle, evict_msg{});
}

void registry_actor::evict_idle() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [user, r] : users_)
    if (!r.closing && now - r.last_used() >= config_.profile.idle_eviction)
      evict(r, user);
}

void registry_actor::check_sessions() {
  const auto now = std::chrono::steady_clock::now();
  const bool everyone = now >= next_session_check_;
  if (everyone)
    next_session_check_ = now + config_.session_check;
  // A device waiting for another's session must not wait much past the
  // stall time: those actors are asked on every tick, the rest seldom.
  for (auto& [user, r] : users_)
    if (!r.closing && (everyone || r.waiting_requests->load(std::memory_order_relaxed) > 0))
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
    if (!it->second.closing &&
        (lru == users_.end() || it->second.last_used() < lru->second.last_used()))
      lru = it;
  if (lru != users_.end())
    evict(lru->second, lru->first);
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
  // An actor that stopped by itself (a crash) is still in the gateway's
  // handles; one that was evicted is not, and this changes nothing there.
  if (gateway_)
    send(gateway_, user_gone_msg{user, it->second.handle});
  auto waiting = std::move(it->second.waiting);
  users_.erase(it);
  if (waiting.empty())
    return;
  auto& fresh = spawn_for(user);
  fresh.waiting = std::move(waiting);
  answer_waiting(fresh);
}

void registry_actor::on_refused(const std::string& user) {
  auto it = users_.find(user);
  if (it == users_.end())
    return;
  it->second.closing = false;
  answer_waiting(it->second);
}

void registry_actor::answer_waiting(resident& r) {
  for (auto& promise : r.waiting)
    promise.deliver(r.handle);
  r.waiting.clear();
  r.touch();
}

} // namespace ankisync::actors
