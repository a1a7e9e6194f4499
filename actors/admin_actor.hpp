#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "actors/metered_actor.hpp"

namespace ankisync::actors {

class blocking_pool;

struct admin_config {
  std::string profile_name;
  std::chrono::steady_clock::time_point started;
  // Read for /metrics (queue length, busy threads); outlives the actor.
  blocking_pool* pool = nullptr;
  // Each folder in it (but dot folders) is a user's (GET /admin/users).
  std::filesystem::path data_dir;
};

// Answers the admin endpoint from the metrics every actor keeps and the
// server's counters, without sending the watched actors a message: a
// stuck actor still shows up, with its mailbox growing.
class admin_actor : public metered<admin_iface::base> {
public:
  admin_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
              admin_config config);

  behavior_type make_behavior() override;

private:
  std::string stats_json() const;
  std::string metrics_text() const;
  std::string users_json() const;

  std::shared_ptr<metrics_registry> watched_;
  admin_config config_;
};

} // namespace ankisync::actors
