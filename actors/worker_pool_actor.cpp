#include "actors/worker_pool_actor.hpp"

#include <caf/send.hpp>

namespace ankisync::actors {

worker_pool_actor::worker_pool_actor(caf::actor_config& cfg,
                                     std::shared_ptr<metrics_registry> metrics,
                                     blocking_pool* pool)
    : metered_actor(cfg, std::move(metrics), "workers"), pool_(pool) {}

caf::behavior worker_pool_actor::make_behavior() {
  return {
      [this](blocking_job_msg& msg) -> caf::result<blocking_result> {
        const auto ticket = ++next_ticket_;
        auto rp = make_response_promise();
        waiting_.emplace(ticket, rp);
        pool_->submit([job = std::move(msg.job), ticket,
                       self = caf::actor_cast<caf::actor>(this)] {
          blocking_result result;
          try {
            result = job();
          } catch (const std::exception& e) {
            result.ok = false;
            result.error = protocol::make_error(protocol::error_code::server_error, e.what());
          }
          caf::anon_send(self, blocking_done_msg{ticket, std::move(result)});
        });
        return rp;
      },
      [this](blocking_done_msg& msg) {
        auto it = waiting_.find(msg.ticket);
        if (it == waiting_.end())
          return;
        it->second.deliver(std::move(msg.result));
        waiting_.erase(it);
      },
  };
}

} // namespace ankisync::actors
