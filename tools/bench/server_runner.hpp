#pragma once

// Starts the real ankisync binary for the benchmark (the idea of
// tests/integration/server_process, kept small): a temp data folder,
// --port 0 --admin-port 0 --ready-file, SYNC_USERn users, stdout/stderr to
// files, SIGTERM on the way out. Also samples the server's resident memory.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace ankisync::bench {

struct server_runner_options {
  std::string binary;   // path of `ankisync`
  std::string profile;  // "" (the server detects), "pi" or "server"
  // SYNC_USERn values in order: "name:password", or "name:<PHC string>"
  // with passwords_hashed (a PHC of few rounds makes a thousand users
  // cheap to start and log in).
  std::vector<std::string> users{"user:pass"};
  bool passwords_hashed = false;
  std::vector<std::string> extra_args; // after `serve`, e.g. --idle-eviction-ms 200
  std::string tls_ca_file; // with --tls-cert in extra_args: /health over HTTPS
  // Runs on the empty data folder before the server starts.
  std::function<void(const std::filesystem::path& data_dir)> prepare;
};

class server_runner {
public:
  // Throws std::runtime_error, with the server's stderr, if it is not ready.
  explicit server_runner(server_runner_options options);
  ~server_runner(); // SIGTERM, SIGKILL after 5 s, removes the temp folder
  server_runner(const server_runner&) = delete;
  server_runner& operator=(const server_runner&) = delete;

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path data_dir() const { return root_ / "data"; }
  // From fork to the first 200 on GET /health, in ms.
  double start_to_health_ms() const { return health_ms_; }

private:
  server_runner_options options_;
  std::filesystem::path root_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  double health_ms_ = 0;
};

// VmRSS of `pid` in bytes (0 when unknown).
std::uint64_t rss_bytes(pid_t pid);
// Another "<field>: N kB" line of /proc/<pid>/status (e.g. "RssAnon"), bytes.
std::uint64_t status_bytes(pid_t pid, std::string_view field);
// User + system CPU time `pid` has used, in ms (0 when unknown).
double cpu_ms(pid_t pid);

// Samples VmRSS of a process every millisecond or so while alive; `peak()`
// is the highest sample, `start()` the first.
class rss_sampler {
public:
  explicit rss_sampler(pid_t pid);
  ~rss_sampler();
  rss_sampler(const rss_sampler&) = delete;
  rss_sampler& operator=(const rss_sampler&) = delete;
  void stop();
  std::uint64_t start() const { return start_; }
  std::uint64_t peak() const { return peak_.load(); }

private:
  pid_t pid_;
  std::uint64_t start_ = 0;
  std::atomic<std::uint64_t> peak_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace ankisync::bench
