#pragma once

// Runs the real ankisync binary for an integration test: a fresh temp
// folder per server, stdout and stderr captured to files, readiness taken
// from --ready-file, and a stop that checks the exit.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "tools/child_process/child_process.hpp"
#include "tools/client/sync_client.hpp"

namespace ankisync::integration {

// Path of the ankisync binary under test: the build's, or
// $ANKISYNC_SERVER_BINARY when set.
std::string binary_path();

using child::env_list;

using child::exit_status;

// A finished command: `ankisync user ...`, or a serve that refused to start.
struct command_result {
  exit_status status;
  std::string out;
  std::string err;
};

// Runs the binary with `args` to completion (killed after `timeout`). The
// environment is this process's without any variable ankisync reads, plus
// `env`.
// Throws std::runtime_error when a sanitizer reported in its stderr.
command_result run_ankisync(const std::vector<std::string>& args, const env_list& env = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

struct server_options {
  env_list env;                    // e.g. {"SYNC_USER1", "user:pass"}
  std::vector<std::string> args;   // extra serve arguments
  std::chrono::milliseconds ready_timeout{10000};
  // Runs on the empty data folder before the first start (e.g. to place
  // users' collections, as a fleet of many users needs).
  std::function<void(const std::filesystem::path& data_dir)> prepare{};
};

class server_process {
public:
  // Makes a fresh temp folder and starts the server on <temp>/data.
  explicit server_process(server_options options = {});
  // Kills the server if it still runs and removes the temp folder.
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  // Starts again on the same data folder (after stop()). Throws
  // std::runtime_error, with the server's stderr, if it exits or is not
  // ready in time.
  void start();
  // SIGTERM, then waits up to `grace`; SIGKILL if it is still running.
  // stop() and kill() throw std::runtime_error when a sanitizer reported in
  // the server's stderr (sanitizer_report.hpp).
  exit_status stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL, as a crash or power loss would.
  void kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  std::uint16_t port() const { return port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // How many times the server was started, counting the first.
  int starts() const { return starts_; }
  // stdout / stderr of the given start (1-based; 0 = the latest).
  std::string stdout_text(int start = 0) const;
  std::string stderr_text(int start = 0) const;

  // Runs `ankisync <args...> --data <this data folder>` to completion.
  command_result cli(std::vector<std::string> args) const;

  client::sync_client sync_client() const;
  client::http_client http() const;
  client::http_client admin_http() const;

private:
  std::filesystem::path log_file(const char* stream, int start) const;
  // Throws on a sanitizer report in the stderr of a start not yet looked at.
  void check_sanitizer_reports();

  server_options options_;
  std::filesystem::path root_;
  std::filesystem::path data_dir_;
  std::filesystem::path ready_file_;
  pid_t pid_ = -1;
  int starts_ = 0;
  int checked_starts_ = 0;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
};

// A fresh empty folder under the system temp folder, removed with its
// contents when this goes.
class temp_folder {
public:
  temp_folder();
  ~temp_folder();
  temp_folder(const temp_folder&) = delete;
  temp_folder& operator=(const temp_folder&) = delete;
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

using child::read_file;

} // namespace ankisync::integration
