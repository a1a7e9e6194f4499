#include "actors/session_queue.hpp"

#include <algorithm>
#include <iterator>

namespace ankisync::actors {

bool waits_for_session(const protocol::sync_request& req, const std::string& open_key) {
  if (req.family != protocol::request_family::sync)
    return false;
  switch (req.method) {
  case protocol::sync_method::start:
    return !req.session_key.empty() && req.session_key != open_key;
  case protocol::sync_method::upload:
  case protocol::sync_method::download:
    return req.session_key != open_key;
  default:
    return false;
  }
}

std::optional<waiting_request> session_queue::push(waiting_request r) {
  if (!r.request.session_key.empty()) {
    auto same = std::find_if(queue_.begin(), queue_.end(), [&](const waiting_request& w) {
      return w.request.session_key == r.request.session_key &&
             w.request.family == r.request.family && w.request.method == r.request.method;
    });
    if (same != queue_.end()) {
      r.seen = same->seen;
      r.since = same->since;
      std::swap(*same, r);
      return r;
    }
  }
  queue_.push_back(std::move(r));
  return std::nullopt;
}

std::optional<waiting_request>
session_queue::take_first(const std::function<bool(const protocol::sync_request&)>& ready) {
  auto it = std::find_if(queue_.begin(), queue_.end(),
                         [&](const waiting_request& w) { return ready(w.request); });
  if (it == queue_.end())
    return std::nullopt;
  auto taken = std::move(*it);
  queue_.erase(it);
  return taken;
}

std::vector<waiting_request> session_queue::take_device(const std::string& key) {
  std::vector<waiting_request> taken;
  if (key.empty())
    return taken;
  auto kept = std::stable_partition(queue_.begin(), queue_.end(), [&](const waiting_request& w) {
    return w.request.session_key != key;
  });
  std::move(kept, queue_.end(), std::back_inserter(taken));
  queue_.erase(kept, queue_.end());
  return taken;
}

std::vector<waiting_request> session_queue::take_all() {
  std::vector<waiting_request> taken(std::make_move_iterator(queue_.begin()),
                                     std::make_move_iterator(queue_.end()));
  queue_.clear();
  return taken;
}

} // namespace ankisync::actors
