#include "actors/inflight_requests.hpp"

namespace ankisync::actors {

bool inflight_requests::add(caf::actor_id id, caf::actor requester) {
  std::lock_guard lock(mutex_);
  if (stopping_)
    return false;
  waiting_.emplace(id, std::move(requester));
  return true;
}

void inflight_requests::remove(caf::actor_id id) {
  std::lock_guard lock(mutex_);
  waiting_.erase(id);
}

std::vector<caf::actor> inflight_requests::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  std::vector<caf::actor> out;
  out.reserve(waiting_.size());
  for (auto& [id, handle] : waiting_)
    out.push_back(std::move(handle));
  waiting_.clear();
  return out;
}

} // namespace ankisync::actors
