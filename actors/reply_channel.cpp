#include "actors/reply_channel.hpp"

#include <atomic>

namespace ankisync::actors {

struct reply_channel::state {
  deliver_fn deliver;
  dropped_fn if_dropped;
  std::atomic<bool> answered{false};

  state(deliver_fn d, dropped_fn f) : deliver(std::move(d)), if_dropped(std::move(f)) {}
  ~state() {
    if (answered.load(std::memory_order_acquire) || !deliver)
      return;
    if (if_dropped)
      deliver(if_dropped());
    else
      deliver(std::unexpected(protocol::make_error(protocol::error_code::server_error,
                                                   "the request was lost inside the server")));
  }
};

reply_channel::reply_channel(deliver_fn deliver, dropped_fn if_dropped)
    : state_(std::make_shared<state>(std::move(deliver), std::move(if_dropped))) {}

void reply_channel::operator()(sync_outcome outcome) const {
  if (!state_ || state_->answered.exchange(true, std::memory_order_acq_rel))
    return;
  state_->deliver(std::move(outcome));
}

reply_channel reply_channel::tapped(std::function<void(const sync_outcome&)> tap) const {
  return reply_channel([next = *this, tap = std::move(tap)](sync_outcome outcome) {
    tap(outcome);
    next(std::move(outcome));
  });
}

reply_channel reply_channel::naming(std::string user) const {
  return reply_channel([next = *this, user = std::move(user)](sync_outcome outcome) {
    if (!outcome && outcome.error().user.empty())
      outcome.error().user = user;
    next(std::move(outcome));
  });
}

} // namespace ankisync::actors
