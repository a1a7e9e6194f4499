#pragma once

#include <filesystem>
#include <memory>

#include "net/admin_routes.hpp"
#include "net/http_server.hpp"
#include "net/sync_routes.hpp"
#include "profiles/profile.hpp"

namespace ankisync::actors {

namespace recording {
class recorder;
}

struct runtime_options {
  profiles::profile profile;
  std::filesystem::path data_dir;
  std::filesystem::path users_db_file;
  const net::request_counters* counters = nullptr;
  // Overrides the profile's idle eviction when set (tests shorten it).
  std::optional<std::chrono::milliseconds> idle_eviction;
  // Records chosen users' sessions (docs/replay.md); may be null. Must
  // outlive the runtime.
  recording::recorder* recorder = nullptr;
};

// The actor system and its long-lived actors (gateway, registry, admin),
// sized by the profile, plus the entry points net/ calls. Keeps CAF out of
// the header so the program's main does not pay for its templates.
class runtime {
public:
  explicit runtime(runtime_options options);
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  net::sync_backend sync_backend();
  net::admin_backend admin_backend();

  // Stops every actor (open sessions roll back) and the blocking pool.
  void shutdown();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ankisync::actors
