// The collection actor's half for two devices of one user syncing at the
// same moment (docs/sync.md, "Two devices at once"): another device's
// start or full sync waits in line while a session is open, instead of
// replacing it as upstream does, and goes ahead when that session ends or
// stalls.
//
// The stall is noticed at the next request of any other device and on the
// registry's tick (session_check_msg, sent on every tick while requests
// wait here). A timer of this actor's own would keep the actor, with its
// open collection, alive until it fired, even after the actor quit.

#include "actors/collection_actor.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace ankisync::actors {
namespace {

using protocol::error_code;
using protocol::make_error;

bool is_start(const protocol::sync_request& req) {
  return req.family == protocol::request_family::sync &&
         req.method == protocol::sync_method::start;
}

} // namespace

bool collection_actor::ready(const protocol::sync_request& req) const {
  if (blocking_)
    return false;
  return !(session_ && waits_for_session(req, session_->key));
}

void collection_actor::wait_for_session(user_request_msg& msg) {
  spdlog::debug("a {} of {} waits for another device's sync session",
                msg.request.family == protocol::request_family::media
                    ? std::string_view("media request")
                    : protocol::to_string(msg.request.method),
                config_.user);
  waiting_request w{std::move(msg.request), std::move(msg.reply), current_identity(),
                    std::chrono::steady_clock::now()};
  counters().session_waits.add();
  if (auto replaced = waiting_.push(std::move(w)))
    replaced->reply(std::unexpected(
        make_error(error_code::conflict, "the same device asked again while this waited")));
  publish_waiting();
}

void collection_actor::serve_waiting() {
  // A backup or check waits for the session only: it goes before the
  // next device's start, which would open another.
  run_next_task();
  // The common case, after every request: nobody waits (every change of
  // the queue was published already).
  if (waiting_.empty())
    return;
  while (auto next = waiting_.take_first(
             [this](const protocol::sync_request& r) { return ready(r); })) {
    publish_waiting();
    counters().session_wait_duration.observe(std::chrono::steady_clock::now() - next->since);
    if (is_start(next->request) && next->seen) {
      // The device chose a normal sync from a meta that knew the old file.
      // Merging into the new one would mix two collections; a 409 makes it
      // start over from meta, which asks it for a full sync.
      const auto now = current_identity();
      if (now && *now != *next->seen) {
        spdlog::info("a waiting sync of {} was refused: a full sync replaced the collection "
                     "while it waited",
                     config_.user);
        next->reply(std::unexpected(
            make_error(error_code::conflict,
                       "the collection was replaced while this sync waited; sync again")));
        continue;
      }
    }
    handle(next->request, std::move(next->reply));
  }
  publish_waiting();
}

bool collection_actor::abandon_if_stalled() {
  if (!session_)
    return false;
  const auto quiet = std::chrono::steady_clock::now() - session_->last_used;
  if (quiet < config_.profile.session_stall)
    return false;
  spdlog::warn("session of {} declared abandoned after {:.1f} s without a request; a waiting "
               "device goes ahead",
               config_.user, std::chrono::duration<double>(quiet).count());
  counters().sessions_abandoned.add();
  end_session("declared abandoned while another device waited");
  return true;
}

void collection_actor::drop_waiting_of(const std::string& key) {
  auto dropped = waiting_.take_device(key);
  for (auto& w : dropped)
    w.reply(std::unexpected(
        make_error(error_code::conflict, "the device aborted while this request waited")));
  if (!dropped.empty())
    publish_waiting();
}

void collection_actor::answer_all_waiting(const protocol::sync_error& why) {
  for (auto& w : waiting_.take_all())
    w.reply(std::unexpected(why));
  publish_waiting();
}

std::optional<collection_identity> collection_actor::current_identity() {
  if (!committed_) {
    if (!open_collection())
      return std::nullopt;
    if (!committed_)
      refresh_committed_state();
  }
  if (!committed_)
    return std::nullopt;
  return collection_identity{committed_->scm, uploads_};
}

void collection_actor::publish_waiting() {
  // Waiting tasks count too: the registry then checks for a stalled
  // session on every tick.
  const auto n = static_cast<std::int32_t>(waiting_.size() + tasks_.size());
  metrics().set_waiting(n);
  if (config_.waiting_requests)
    config_.waiting_requests->store(n, std::memory_order_relaxed);
}

} // namespace ankisync::actors
