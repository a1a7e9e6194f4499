#pragma once

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/result.hpp>

#include <chrono>
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
  // time (on the first tick after each interval).
  std::chrono::milliseconds session_check{60000};
  caf::actor workers; // handed to every collection actor
};

// Knows each resident user's collection actor: spawns it on first use,
// closes it after the profile's idle time or when too many are resident
// (least recently used first), never during a sync session. While an actor
// is closing, that user's requests wait here and go to its successor, so
// two actors never own one folder at once.
class registry_actor : public metered_actor {
public:
  registry_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                 registry_config config);

  caf::behavior make_behavior() override;

private:
  struct waiting_request {
    caf::response_promise promise;
    user_request_msg msg;
  };
  struct resident {
    caf::actor handle;
    std::chrono::steady_clock::time_point last_used;
    bool closing = false;
    std::vector<waiting_request> waiting;
  };

  caf::result<sync_result_msg> on_request(user_request_msg& msg);
  resident& spawn_for(const std::string& user);
  void evict(resident& r);
  void evict_idle();
  void check_sessions();
  void make_room();
  void on_down(const caf::down_msg& msg);
  void on_refused(const std::string& user);
  void flush_waiting(resident& r);

  registry_config config_;
  std::shared_ptr<metrics_registry> metrics_;
  std::unordered_map<std::string, resident> users_;
  std::unordered_map<caf::actor_addr, std::string> owners_;
  // Collection actors gone since the last tick: their SQLite caches and
  // buffers were freed, but glibc keeps freed pages of its arenas
  // resident until trimmed.
  std::size_t closed_since_trim_ = 0;
  std::chrono::steady_clock::time_point next_session_check_;
};

} // namespace ankisync::actors
