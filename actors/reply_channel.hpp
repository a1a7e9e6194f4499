#pragma once

#include <expected>
#include <functional>
#include <memory>

#include "protocol/envelope.hpp"
#include "protocol/sync_error.hpp"

namespace ankisync::actors {

using sync_outcome = std::expected<protocol::sync_reply, protocol::sync_error>;

// Where a request's answer goes: straight back to the HTTP connection
// waiting for it, from whichever actor answers, with no requester actor
// and no hop back through the gateway. Copies share one answer: the first
// call delivers, later ones do nothing. If every copy is dropped unanswered
// (a message lost with an actor that stopped, or still queued when the
// server stops), the client gets `if_dropped()`'s answer (by default a 500)
// instead of waiting forever.
class reply_channel {
public:
  using deliver_fn = std::function<void(sync_outcome)>;
  using dropped_fn = std::function<sync_outcome()>;

  reply_channel() = default;
  explicit reply_channel(deliver_fn deliver, dropped_fn if_dropped = {});

  void operator()(sync_outcome outcome) const;
  explicit operator bool() const { return state_ != nullptr; }

  // A channel that shows the answer to `tap` (on the answering actor's
  // thread) before it goes on to this one: recording.
  reply_channel tapped(std::function<void(const sync_outcome&)> tap) const;

  // A channel that names `user` on an error answer that names nobody, so
  // the request's log line says whose request failed (answers name their
  // user themselves).
  reply_channel naming(std::string user) const;

private:
  struct state;
  std::shared_ptr<state> state_;
};

} // namespace ankisync::actors
