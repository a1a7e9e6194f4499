#include "tools/child_process/child_process.hpp"

#include <algorithm>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace ankisync::child {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

bool is_server_variable(std::string_view name) {
  return name.starts_with("SYNC_") || name.starts_with("ANKISYNC_") ||
         name == "PASSWORDS_HASHED" || name == "MAX_SYNC_PAYLOAD_MEGS";
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

exit_status decode(int raw) {
  exit_status s;
  if (WIFEXITED(raw)) {
    s.exited = true;
    s.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    s.signal = WTERMSIG(raw);
  }
  return s;
}

} // namespace

std::vector<std::string> server_free_environment(const env_list& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    // getenv finds the first of two equal names: `extra` replaces, not adds.
    const bool replaced =
        std::any_of(extra.begin(), extra.end(), [&](const auto& kv) { return kv.first == name; });
    if (!is_server_variable(name) && !replaced)
      out.emplace_back(entry);
  }
  for (const auto& [k, v] : extra)
    out.push_back(k + "=" + v);
  return out;
}

pid_t spawn(std::vector<std::string> argv, std::vector<std::string> environment,
            const fs::path& out, const fs::path& err) {
  auto argv_c = c_strings(argv);
  auto envp_c = c_strings(environment);
  const std::string out_path = out.string(), err_path = err.string();
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    int in = ::open("/dev/null", O_RDONLY);
    int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = err_path.empty() ? o : ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0 || ::dup2(in, 0) < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0)
      ::_exit(127);
    ::execve(argv_c[0], argv_c.data(), envp_c.data());
    ::_exit(127);
  }
  return pid;
}

std::string exit_status::describe() const {
  std::string out = exited ? "exit code " + std::to_string(code)
                           : "killed by signal " + std::to_string(signal);
  if (timed_out)
    out += " (did not end in time)";
  return out;
}

std::optional<exit_status> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int raw = 0;
    const pid_t r = ::waitpid(pid, &raw, WNOHANG);
    if (r == pid)
      return decode(raw);
    if (r < 0 && errno != EINTR)
      throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(1ms);
  }
}

exit_status kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  return decode(raw);
}

exit_status stop(pid_t pid, std::chrono::milliseconds grace) {
  ::kill(pid, SIGTERM);
  if (auto s = wait_for(pid, grace))
    return *s;
  auto status = kill_and_reap(pid);
  status.timed_out = true;
  return status;
}

std::optional<ready_ports> read_ready_file(const fs::path& file) {
  if (!fs::exists(file))
    return std::nullopt;
  const std::string text = read_file(file);
  std::istringstream in(text);
  unsigned port = 0, admin = 0;
  if (!(in >> port >> admin) || port == 0 || port > 65535 || admin > 65535)
    throw std::runtime_error("ready file holds '" + text + "'");
  return ready_ports{static_cast<std::uint16_t>(port), static_cast<std::uint16_t>(admin)};
}

ready_ports wait_until_ready(pid_t& pid, const fs::path& file, std::chrono::milliseconds timeout,
                             const fs::path& log, std::chrono::microseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::optional<ready_ports> ports;
    try {
      ports = read_ready_file(file);
    } catch (const std::runtime_error& e) {
      // The caller's destructor does not run when its constructor throws, so
      // the child must not outlive this.
      kill_and_reap(pid);
      pid = -1;
      throw std::runtime_error(std::string(e.what()) + "; its output:\n" + read_file(log));
    }
    if (ports)
      return *ports;
    if (auto status = wait_for(pid, 0ms)) {
      pid = -1;
      throw std::runtime_error("ankisync serve ended before it was ready (" + status->describe() +
                               "); its output:\n" + read_file(log));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_and_reap(pid);
      pid = -1;
      throw std::runtime_error("ankisync serve was not ready within " +
                               std::to_string(timeout.count()) + " ms; its output:\n" +
                               read_file(log));
    }
    std::this_thread::sleep_for(poll);
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace ankisync::child
