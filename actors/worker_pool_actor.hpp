#pragma once

#include <caf/response_promise.hpp>
#include <caf/result.hpp>

#include <memory>
#include <unordered_map>

#include "actors/blocking_pool.hpp"
#include "actors/messages.hpp"
#include "actors/metered_actor.hpp"

namespace ankisync::actors {

// The actor face of the blocking pool: answers a blocking_job_msg with the
// job's blocking_result once a pool thread has run it. A user's actor
// sends the job with request(...).await(...), so it takes none of its
// other messages meanwhile and that user's order is kept, while every
// other user's actor goes on running on the scheduler.
class worker_pool_actor : public metered<worker_iface::base> {
public:
  worker_pool_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                    blocking_pool* pool);

  behavior_type make_behavior() override;

private:
  blocking_pool* pool_;
  std::uint64_t next_ticket_ = 0;
  std::unordered_map<std::uint64_t, caf::response_promise> waiting_;
};

} // namespace ankisync::actors
