#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "actors/reply_channel.hpp"
#include "profiles/profile.hpp"
#include "protocol/admin_query.hpp"
#include "protocol/server_metrics.hpp"
#include "storage/maintenance.hpp"

namespace ankisync::actors {

namespace recording {
class recorder;
}

struct runtime_options {
  profiles::profile profile;
  std::filesystem::path data_dir;
  std::filesystem::path users_db_file;
  // The server's counters, shared with the listeners; the runtime keeps
  // its own when null. Must outlive the runtime.
  protocol::server_metrics* counters = nullptr;
  // Overrides the profile's idle eviction when set (tests shorten it).
  std::optional<std::chrono::milliseconds> idle_eviction;
  // Records chosen users' sessions (docs/replay.md); may be null. Must
  // outlive the runtime.
  recording::recorder* recorder = nullptr;
};

// The actor system and its long-lived actors (gateway, registry, admin),
// sized by the profile, plus its entry points. It knows nothing of HTTP:
// the program's composition root (tools/ankisync/serve.cpp) hands these
// entry points to the listeners. Keeps CAF out of the header so the
// program's main does not pay for its templates.
class runtime {
public:
  explicit runtime(runtime_options options);
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  // Takes a decoded request into the actor world; `done` is called once,
  // from any thread, with its answer. Safe to call from any thread.
  void submit(protocol::sync_request&& request, std::function<void(sync_outcome)> done);
  // The admin actor's document for `query`, given to `done` once, from
  // any thread.
  void query_admin(protocol::admin_query query, std::function<void(std::string)> done);
  // Runs a backup, restore or check step inside the user's collection
  // actor, between sync sessions (storage/maintenance.hpp). Blocks the
  // calling thread, which must not be a CAF or I/O thread.
  storage::owner_fn user_owner();

  // What a shutdown left behind.
  struct shutdown_report {
    std::size_t abandoned_jobs = 0; // blocking jobs still running
    std::size_t running_actors = 0; // actors that had not ended
    bool clean() const { return abandoned_jobs == 0 && running_actors == 0; }
  };
  // Stops every actor and the blocking pool, in bounded time: requests
  // still waiting are answered 503, open sessions roll back, blocking jobs
  // not yet started are dropped and running ones get until `deadline`;
  // actors then get up to two seconds more to end. When the report is not
  // clean, a job thread or an actor may still use the actor system, which
  // therefore must never be destroyed: the caller ends the process with
  // std::_Exit. Abandoning a job is safe (blocking_pool.hpp).
  shutdown_report shutdown(std::chrono::steady_clock::time_point deadline);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ankisync::actors
