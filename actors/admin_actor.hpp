#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "actors/metered_actor.hpp"
#include "net/http_server.hpp"

namespace ankisync::actors {

struct admin_config {
  const net::request_counters* counters = nullptr;
  std::string profile_name;
  std::chrono::steady_clock::time_point started;
};

// Answers the admin endpoint from the metrics every actor keeps, without
// sending the watched actors a message: a stuck actor still shows up, with
// its mailbox growing.
class admin_actor : public metered_actor {
public:
  admin_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
              admin_config config);

  caf::behavior make_behavior() override;

private:
  std::string stats_json() const;

  std::shared_ptr<metrics_registry> watched_;
  admin_config config_;
};

// Resident set size of this process, from /proc/self/statm.
std::uint64_t current_rss_bytes();

} // namespace ankisync::actors
