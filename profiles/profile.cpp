#include "profiles/profile.hpp"

#include <algorithm>

namespace ankisync::profiles {

profile pi_profile() {
  profile p;
  p.name = "pi";
  // Stealing without polling: a request's hop from the gateway to the
  // user's actor stays on the worker that ran the gateway, where a shared
  // queue would wake the other worker for it (docs/profiles.md).
  p.scheduler_policy = "stealing";
  p.scheduler_threads = 2;
  p.scheduler_spin_polls = 50;
  p.scheduler_nap_polls = 0;
  p.scheduler_idle_wake = std::chrono::milliseconds(10);
  p.io_threads = 1;
  p.blocking_threads = 1;
  p.max_resident_users = 32;
  p.malloc_arenas = 1;
  p.malloc_thread_cache = 0;
  p.idle_eviction = std::chrono::minutes(2);
  p.session_idle_timeout = std::chrono::minutes(10);
  // One I/O thread reads every user's requests: under load a live
  // client's next request can take longer to arrive.
  p.session_stall = std::chrono::seconds(10);
  p.sqlite_cache_kib = 1024;
  p.sqlite_mmap_bytes = 0;
  p.body_spill_bytes = 64 * 1024;
  p.max_json_megs = 32;
  p.max_connections = 256;
  p.max_connections_per_ip = 32;
  p.http_header_timeout = std::chrono::seconds(10);
  p.http_idle_timeout = std::chrono::seconds(60);
  p.http_keepalive_timeout = std::chrono::seconds(60);
  p.login_max_pending = 4;
  p.login_failures_per_minute = 10;
  p.login_address_failures_per_minute = 50;
  p.login_wait = std::chrono::seconds(10);
  return p;
}

profile server_profile(unsigned hardware_threads) {
  const unsigned hw = std::max(1u, hardware_threads);
  profile p;
  p.name = "server";
  p.scheduler_policy = "stealing";
  p.scheduler_threads = hw;
  // Idle workers sleep at once rather than nap-polling for 25 ms after
  // each job: outside work wakes them, and the napping cost more context
  // switches than the requests themselves (docs/profiles.md).
  p.scheduler_spin_polls = 50;
  p.scheduler_nap_polls = 0;
  p.scheduler_idle_wake = std::chrono::milliseconds(10);
  p.io_threads = std::max(1u, hw / 4);
  p.blocking_threads = std::max(2u, hw / 2);
  p.max_resident_users = 4096;
  p.idle_eviction = std::chrono::minutes(10);
  p.session_idle_timeout = std::chrono::minutes(10);
  p.session_stall = std::chrono::seconds(5);
  p.sqlite_cache_kib = 8192;
  p.sqlite_mmap_bytes = 64ll << 20;
  p.body_spill_bytes = 1024 * 1024;
  p.max_json_megs = 100;
  p.max_connections = 4096;
  p.max_connections_per_ip = 128;
  p.http_header_timeout = std::chrono::seconds(10);
  p.http_idle_timeout = std::chrono::seconds(60);
  p.http_keepalive_timeout = std::chrono::seconds(120);
  p.login_max_pending = 64;
  p.login_failures_per_minute = 20;
  p.login_address_failures_per_minute = 100;
  p.login_wait = std::chrono::seconds(10);
  return p;
}

std::optional<profile> profile_by_name(std::string_view name, unsigned hardware_threads) {
  if (name == "pi")
    return pi_profile();
  if (name == "server")
    return server_profile(hardware_threads);
  return std::nullopt;
}

} // namespace ankisync::profiles
