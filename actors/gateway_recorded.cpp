// The gateway's side of recording (docs/replay.md): a recorded user's
// requests are recorded in the order they reach the gateway, and a stream
// starts with a copy of the user's folder showing the state before the
// request that opened it. That copy runs on the blocking pool; until it
// is done, the user's requests wait in held_, and nobody else's do.

#include "actors/gateway_actor.hpp"

#include <caf/send.hpp>

#include "actors/recording/recorder.hpp"
#include "actors/recording/start_state.hpp"

namespace ankisync::actors {
namespace {

bool is_login(const protocol::sync_request& r) {
  return r.family == protocol::request_family::sync &&
         r.method == protocol::sync_method::host_key;
}

} // namespace

void gateway_actor::admit_recorded(const std::string& user, recorded_request&& r) {
  if (auto held = held_.find(user); held != held_.end()) {
    held->second.push_back(std::move(r));
    return;
  }
  auto step = config_.recorder->on_request(user, r.request);
  auto* start = std::get_if<recording::stream_start>(&step);
  if (!start) {
    hand_on(user, std::move(r), std::get<std::uint64_t>(step));
    return;
  }
  // This request opened the stream: it is recorded, and handed on, only
  // once the copy shows the state from before it.
  held_[user].push_back(std::move(r));
  config_.pool->submit([start = std::move(*start), gateway = caf::actor_cast<gateway_iface>(this)] {
    // The gateway holds this user until it hears back, whatever happens.
    std::expected<recording::start_state, std::string> copied;
    try {
      copied = recording::copy_start_state(start.from, start.to);
    } catch (const std::exception& e) {
      copied = std::unexpected(std::string(e.what()));
    }
    caf::anon_send(gateway, start_copied_msg{start.user, std::move(copied)});
  });
}

void gateway_actor::on_start_copied(start_copied_msg& msg) {
  auto held = held_.extract(msg.user);
  if (held.empty())
    return;
  const bool recording = config_.recorder->finish_start(msg.user, msg.copied);
  // Admitted again in arrival order: a request that opens yet another
  // stream (switched off and on meanwhile) holds the rest behind it.
  for (auto& r : held.mapped()) {
    if (recording)
      admit_recorded(msg.user, std::move(r));
    else
      hand_on(msg.user, std::move(r), 0);
  }
}

void gateway_actor::hand_on(const std::string& user, recorded_request&& r, std::uint64_t ticket) {
  if (is_login(r.request)) {
    start_login(r.request, std::move(r.reply), ticket);
    return;
  }
  auto reply = std::move(r.reply);
  if (ticket != 0) {
    // The recorder is thread-safe: the answer is recorded by the actor
    // that gives it, on its way to the connection.
    reply = reply.tapped([recorder = config_.recorder, ticket](const sync_outcome& outcome) {
      recorder->on_response(ticket, outcome);
    });
  }
  route(user_request_msg{user, std::move(r.request), std::move(reply)});
}

} // namespace ankisync::actors
