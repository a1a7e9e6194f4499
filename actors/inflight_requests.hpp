#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <mutex>
#include <unordered_map>
#include <vector>

namespace ankisync::actors {

// The short-lived actors that wait for the answer to one HTTP request
// each (runtime.cpp). CAF 0.17 sends no error for a response promise
// dropped unanswered: when an actor on the way stops while holding one
// (the gateway with a login being hashed, a collection actor awaiting a
// job), its requester waits out the whole request timeout, and shutdown
// waits with it. So the runtime keeps them here and stops them itself.
// Any thread may call any member.
class inflight_requests {
public:
  // Called by the requester as it starts. False once stopping: the
  // requester answers "unavailable" itself and ends.
  bool add(caf::actor_id id, caf::actor requester);
  // Called by the requester once it has its answer.
  void remove(caf::actor_id id);
  // Refuses further requesters and hands back those still waiting.
  std::vector<caf::actor> stop();

private:
  std::mutex mutex_;
  std::unordered_map<caf::actor_id, caf::actor> waiting_;
  bool stopping_ = false;
};

} // namespace ankisync::actors
