#pragma once

// Requests of one user that wait for another device's sync session to end
// (docs/sync.md, "Two devices at once"). The user's collection actor owns
// one; only that actor touches it. No CAF here: the rule and the queue are
// tested on their own.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/reply_channel.hpp"
#include "protocol/envelope.hpp"

namespace ankisync::actors {

// What a device's decision between a normal and a full sync rests on: the
// collection's schema stamp, and how many full uploads replaced the file
// while this actor ran (an upload may keep the old scm).
struct collection_identity {
  std::int64_t scm = 0;
  std::uint64_t uploads = 0;
  friend bool operator==(const collection_identity&, const collection_identity&) = default;
};

// Whether `req` waits while the session with key `open_key` is open: a
// `start`, full `upload` or `download` of another device (another session
// key, or none for a full sync). Everything else goes on at once: a
// device's own requests (its repeated start replaces its session, its
// full sync ends it, as upstream), `meta` (answered from the last commit),
// session steps (409 for a key that is not the session's), `abort`, and
// media, which never touches the collection or its transaction. A start
// without a key is refused (400) without waiting.
bool waits_for_session(const protocol::sync_request& req, const std::string& open_key);

struct waiting_request {
  protocol::sync_request request;
  reply_channel reply;
  // The collection as it was when the request began to wait: a start that
  // finds it replaced must not merge into the new one. Empty when the
  // collection could not be read (the start then fails on its own).
  std::optional<collection_identity> seen;
  std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
};

// First come, first served.
class session_queue {
public:
  // Adds `r` at the back. The same request of the same device (same
  // method, same non-empty session key) already waiting is a client that
  // gave up on it and asked again: `r` takes its place in line and its
  // identity (the older one: the device's meta came before both), and the
  // old one is returned, to be answered.
  std::optional<waiting_request> push(waiting_request r);
  // The oldest request that `ready` accepts, taken out; those before it
  // keep their places. Nothing when none is ready.
  std::optional<waiting_request>
  take_first(const std::function<bool(const protocol::sync_request&)>& ready);
  // The requests of the device with session key `key`, taken out (it
  // aborted). An empty key matches nothing.
  std::vector<waiting_request> take_device(const std::string& key);
  // Everything, taken out (the actor stops).
  std::vector<waiting_request> take_all();

  std::size_t size() const { return queue_.size(); }
  bool empty() const { return queue_.empty(); }

private:
  std::deque<waiting_request> queue_;
};

} // namespace ankisync::actors
