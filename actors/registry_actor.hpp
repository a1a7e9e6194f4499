#pragma once

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/typed_response_promise.hpp>
#include <caf/result.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/messages.hpp"
#include "actors/metered_actor.hpp"
#include "profiles/profile.hpp"

namespace ankisync::actors {

struct registry_config {
  std::filesystem::path data_dir;
  profiles::profile profile;
  // How often idle actors are looked for; a fraction of the idle time.
  std::chrono::milliseconds tick{1000};
  // How often resident actors are asked to check their sync session's idle
  // time (on the first tick after each interval). An actor with requests
  // waiting for its session is asked on every tick instead, so the tick
  // must be a fraction of the profile's session stall time.
  std::chrono::milliseconds session_check{60000};
  worker_iface workers; // handed to every collection actor
};

// Knows each resident user's collection actor: spawns it when the gateway
// first asks for it, closes it after the profile's idle time or when too
// many are resident (least recently used first), never during a sync
// session. Requests do not pass here: the gateway keeps the handles. A
// close goes through the gateway (evict_user_msg), so it reaches the actor
// behind every request already sent to it; while an actor is closing, the
// gateway's questions for that user wait here and get its successor, so two
// actors never own one folder at once.
class registry_actor : public metered<registry_iface::base> {
public:
  registry_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                 registry_config config);

  behavior_type make_behavior() override;
  void on_exit() override;

private:
  struct resident {
    collection_iface handle;
    // Written by the collection actor at each request (steady clock, ns).
    std::shared_ptr<std::atomic<std::int64_t>> last_request;
    // Written by the collection actor: requests of other devices waiting
    // for its open session. Such an actor is checked on every tick.
    std::shared_ptr<std::atomic<std::int32_t>> waiting_requests;
    bool closing = false;
    // The gateway's questions for this user while it closes.
    std::vector<caf::typed_response_promise<collection_iface>> waiting;
    std::chrono::steady_clock::time_point last_used() const;
    void touch(); // counts as used now
  };

  caf::result<collection_iface> on_find(const std::string& user);
  resident& spawn_for(const std::string& user);
  void evict(resident& r, const std::string& user);
  void evict_idle();
  void check_sessions();
  void make_room();
  void on_down(const caf::down_msg& msg);
  void on_refused(const std::string& user);
  void answer_waiting(resident& r);

  registry_config config_;
  std::shared_ptr<metrics_registry> metrics_;
  gateway_iface gateway_;
  std::unordered_map<std::string, resident> users_;
  std::unordered_map<caf::actor_addr, std::string> owners_;
  // Collection actors gone since the last tick: their SQLite caches and
  // buffers were freed, but glibc keeps freed pages of its arenas
  // resident until trimmed.
  std::size_t closed_since_trim_ = 0;
  std::chrono::steady_clock::time_point next_session_check_;
};

} // namespace ankisync::actors
