#pragma once

// Starting and stopping the `ankisync` binary (or any program) as a child
// process, for the test harness, ankisync-replay and ankisync-bench: the
// environment without the server's own variables, fork + exec with output
// to files, waiting for it with a deadline, and stopping it.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ankisync::child {

using env_list = std::vector<std::pair<std::string, std::string>>;

// This process's environment without any variable ankisync reads
// (SYNC_*, ANKISYNC_*, PASSWORDS_HASHED, MAX_SYNC_PAYLOAD_MEGS), so the
// caller's shell cannot change the child's settings; then `extra`, whose
// names replace any of this process's.
std::vector<std::string> server_free_environment(const env_list& extra = {});

// argv[0] is the program's path. stdin is /dev/null; stdout goes to `out`
// and stderr to `err` (the same file as stdout when `err` is empty). The
// child is killed when the thread that started it ends (PR_SET_PDEATHSIG),
// so a crashed caller leaves no server behind.
pid_t spawn(std::vector<std::string> argv, std::vector<std::string> environment,
            const std::filesystem::path& out, const std::filesystem::path& err = {});

struct exit_status {
  bool exited = false;    // false: killed by a signal (or still running)
  int code = -1;          // exit code when exited
  int signal = 0;         // terminating signal otherwise
  bool timed_out = false; // did not end in time and was killed
  bool clean() const { return exited && code == 0 && !timed_out; }
  std::string describe() const;
};

// Waits up to `timeout` (0: just looks); nullopt while it still runs.
std::optional<exit_status> wait_for(pid_t pid, std::chrono::milliseconds timeout);
// SIGKILL, then reaps it.
exit_status kill_and_reap(pid_t pid);
// SIGTERM, up to `grace` to exit, then SIGKILL (marked timed_out).
exit_status stop(pid_t pid, std::chrono::milliseconds grace);

struct ready_ports {
  std::uint16_t port = 0;
  std::uint16_t admin_port = 0;
};

// What `serve --ready-file` wrote ("<port> <admin port>"), once the file is
// there (the server renames it into place, so it is whole once seen).
// Throws std::runtime_error on content that is not two port numbers.
std::optional<ready_ports> read_ready_file(const std::filesystem::path& file);

// Polls `file` every `poll` until it appears. Throws std::runtime_error when
// the child ends first (saying how), `timeout` passes or the file is not two
// ports (the child is then killed); `pid` is then -1 and the message ends
// with `log`'s contents. A shorter `poll` suits callers that time the start
// itself.
ready_ports wait_until_ready(pid_t& pid, const std::filesystem::path& file,
                             std::chrono::milliseconds timeout, const std::filesystem::path& log,
                             std::chrono::microseconds poll = std::chrono::milliseconds(1));

// A whole file ("" when it does not exist).
std::string read_file(const std::filesystem::path& path);

} // namespace ankisync::child
