#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/result.hpp>

#include "actors/messages.hpp"
#include "actors/metered_actor.hpp"
#include "actors/session_queue.hpp"
#include "actors/sync/full_sync_phases.hpp"
#include "actors/sync/phases.hpp"
#include "actors/sync/session.hpp"
#include "profiles/profile.hpp"
#include "storage/collection.hpp"
#include "storage/media_db.hpp"
#include "storage/media_layout.hpp"
#include "storage/media_store.hpp"

namespace ankisync::actors {

struct collection_config {
  std::string user;
  std::filesystem::path folder; // <data>/<user>
  profiles::profile profile;
  worker_iface workers; // the worker pool actor, for blocking jobs
  // Set at each request (steady clock, ns), read by the registry to find
  // idle actors: requests reach this actor without passing the registry.
  std::shared_ptr<std::atomic<std::int64_t>> last_request;
  // Requests waiting for the open session, set by this actor, read by the
  // registry, which then asks for a stall check on every tick.
  std::shared_ptr<std::atomic<std::int32_t>> waiting_requests;
  // Read for the user's own quotas at each upload (`ankisync user set`
  // in another process takes effect at once); empty: the profile's only.
  std::filesystem::path users_db_file;
};

// A user's limits in bytes; 0: none.
struct user_quota {
  std::uint64_t collection_bytes = 0;
  std::uint64_t media_bytes = 0;
};

// Owns one user's folder: the collection file, the media database and the
// media contents. Only this actor touches those files, and it takes one
// message at a time, so that user's syncs and media transfers are
// serialized without locks. It holds
// the user's sync session: its transaction is open from `start` to
// `finish`, rolled back on abort, on any failed step, after the profile's
// session idle time, and when the actor stops.
//
// Another device's `start`, `upload` or `download` arriving while a
// session is open waits in `waiting_` (the actor goes on serving the open
// session) until that session ends, or until it has had no request for the
// profile's stall time, when it is declared abandoned and rolled back.
class collection_actor : public metered<collection_iface::base> {
public:
  collection_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                   collection_config config);

  behavior_type make_behavior() override;
  void on_exit() override;

private:
  using result = std::expected<std::string, protocol::sync_error>;

  // Each answers through `reply`, at once or when its blocking job ends.
  void on_request(user_request_msg& msg);
  void handle(const protocol::sync_request& req, reply_channel reply);
  void on_upload(const protocol::sync_request& req, reply_channel reply);
  void on_download(const protocol::sync_request& req, reply_channel reply);
  void on_media(const protocol::sync_request& req, reply_channel reply);
  void on_media_upload(const protocol::sync_request& req, reply_channel reply);
  void on_media_download(const protocol::sync_request& req, reply_channel reply);
  // The one way blocking work runs: `job` (a phase function of
  // actors/sync) on the blocking pool, while this actor takes no other
  // message; then `then`, in this actor, with the job's result (or the
  // error of a job that threw or was dropped at shutdown).
  template <class T>
  void run_blocking(std::function<std::expected<T, protocol::sync_error>()> job,
                    std::function<void(std::expected<T, protocol::sync_error>)> then) {
    auto slot = std::make_shared<std::optional<std::expected<T, protocol::sync_error>>>();
    run_blocking_job([job = std::move(job), slot] { slot->emplace(job()); },
                     [slot, then = std::move(then)](std::optional<protocol::sync_error> failed) {
                       if (failed)
                         return then(std::unexpected(std::move(*failed)));
                       then(std::move(**slot));
                     });
  }
  // run_blocking's untyped core: `then` gets the error if `job` did not
  // run to its end.
  void run_blocking_job(std::function<void()> job,
                        std::function<void(std::optional<protocol::sync_error>)> then);
  void remove_leftover_temp_files();
  // The answer whose body a job wrote to `file` (a full download, a media
  // zip), with its size before compression (anki-original-size).
  sync_outcome file_reply(const std::filesystem::path& file, std::uint64_t original_size) const;
  result on_meta(const protocol::meta_request& body);
  result on_start(const protocol::sync_request& req, const protocol::start_request& body);
  result on_abort(const protocol::sync_request& req);
  result on_step(const protocol::sync_request& req);
  result run_step(const protocol::sync_request& req, sync::sync_session& session);
  void on_evict();
  // The profile's quotas with the user's own over them.
  user_quota quota() const;
  void on_session_check();

  // ---- waiting for another device's session (collection_actor_wait.cpp) ----
  // Whether `req` can run now: no blocking job runs, and it is not another
  // device's start or full sync while a session is open.
  bool ready(const protocol::sync_request& req) const;
  void wait_for_session(user_request_msg& msg);
  // Runs waiting requests while no session is open and no blocking job
  // runs; a start that would open a session stops it.
  void serve_waiting();
  // Rolls back the open session if it has had no request for the stall
  // time; true if it did.
  bool abandon_if_stalled();
  // Answers the requests the device with `key` left waiting (it aborted).
  void drop_waiting_of(const std::string& key);
  void answer_all_waiting(const protocol::sync_error& why);
  std::optional<collection_identity> current_identity();
  void publish_waiting();

  // ---- backup, restore, check (collection_actor_maintenance.cpp) ----
  caf::result<blocking_result> on_maintenance(maintenance_msg& msg);
  // Starts the oldest task when no session is open and no job runs.
  void run_next_task();
  void answer_all_tasks(const protocol::sync_error& why);

  // The user's collection, opened on first use.
  std::expected<storage::collection*, protocol::sync_error> open_collection();
  // Drops the session, rolling back whatever it wrote.
  void end_session(const char* why);
  void refresh_committed_state();
  // The user's media database, opened on first use; opening it also takes
  // over media the official server left by name, and removes what a crash
  // may have left in the content store.
  std::expected<storage::media_db*, protocol::sync_error> open_media();
  std::int64_t media_usn();

  collection_config config_;
  std::optional<storage::collection> col_;
  std::optional<sync::committed_state> committed_;
  std::optional<sync::sync_session> session_;
  session_queue waiting_;
  // Backups, restores and checks waiting for the session to end.
  struct pending_task {
    maintenance_msg msg;
    caf::response_promise promise;
  };
  std::deque<pending_task> tasks_;
  // The task whose job runs: answered with an error if this actor stops
  // first (a dropped promise would leave its asker waiting forever).
  std::optional<caf::response_promise> running_task_;
  // Full uploads that replaced the collection file since this actor began.
  std::uint64_t uploads_ = 0;
  // A blocking job (full sync, media) runs: the actor takes no message
  // until it ends, and waiting requests stay queued.
  bool blocking_ = false;
  // Shared with the blocking job of an upload or download while this
  // actor waits for it; never used by both at once.
  std::shared_ptr<storage::media_db> media_;
  storage::media_store media_store_;
};

} // namespace ankisync::actors
