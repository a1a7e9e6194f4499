#include "actors/worker_pool_actor.hpp"

#include <caf/send.hpp>

namespace ankisync::actors {

worker_pool_actor::worker_pool_actor(caf::actor_config& cfg,
                                     std::shared_ptr<metrics_registry> metrics,
                                     blocking_pool* pool)
    : metered(cfg, std::move(metrics), "workers"), pool_(pool) {}

worker_pool_actor::behavior_type worker_pool_actor::make_behavior() {
  // A promise dropped unanswered leaves its requester waiting for good
  // (CAF 0.17 sends no broken-promise error), and a collection actor
  // awaiting a job takes no other message, its exit included: answer
  // every waiting job before going, so shutdown is not held up by them.
  set_exit_handler([this](caf::exit_msg& msg) {
    for (auto& [ticket, rp] : waiting_) {
      blocking_result r;
      r.error = protocol::make_error(protocol::error_code::unavailable, "the server is stopping");
      rp.deliver(std::move(r));
    }
    waiting_.clear();
    quit(msg.reason);
  });
  return {
      [this](blocking_job_msg& msg) -> caf::result<blocking_result> {
        const auto ticket = ++next_ticket_;
        auto rp = make_response_promise();
        waiting_.emplace(ticket, rp);
        pool_->submit([job = std::move(msg.job), ticket,
                       self = caf::actor_cast<worker_iface>(this)] {
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
