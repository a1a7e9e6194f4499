#include "tests/integration/server_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace ankisync::integration {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Variables the server reads: none leaks in from the shell running the tests.
bool is_server_variable(std::string_view name) {
  return name.starts_with("SYNC_") || name.starts_with("ANKISYNC_") ||
         name == "PASSWORDS_HASHED" || name == "MAX_SYNC_PAYLOAD_MEGS";
}

std::vector<std::string> child_environment(const env_list& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    if (!is_server_variable(entry.substr(0, entry.find('='))))
      out.emplace_back(entry);
  }
  for (const auto& [k, v] : extra)
    out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// fork + exec with stdin from /dev/null and stdout/stderr into files. The
// child dies with the thread that started it (PR_SET_PDEATHSIG), so a
// crashed test run leaves no server behind; tests start servers from the
// main thread.
pid_t spawn(std::vector<std::string> argv, const env_list& env, const fs::path& out,
            const fs::path& err) {
  auto envp_strings = child_environment(env);
  auto argv_c = c_strings(argv);
  auto envp_c = c_strings(envp_strings);
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
    int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0 || ::dup2(in, 0) < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0)
      ::_exit(127);
    ::execve(argv_c[0], argv_c.data(), envp_c.data());
    ::_exit(127);
  }
  return pid;
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

// Waits for `pid` up to `timeout`; nullopt if it still runs.
std::optional<exit_status> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int raw = 0;
    pid_t r = ::waitpid(pid, &raw, WNOHANG);
    if (r == pid)
      return decode(raw);
    if (r < 0 && errno != EINTR)
      throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

exit_status kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  return decode(raw);
}

fs::path make_temp_root() {
  std::string pattern = (fs::temp_directory_path() / "ankisync-it-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  return pattern;
}

} // namespace

// ANKISYNC_SERVER_BINARY points the harness at another build, e.g. a copy
// that a long property soak keeps using while the tree is rebuilt.
std::string binary_path() {
  if (const char* other = std::getenv("ANKISYNC_SERVER_BINARY"); other && *other)
    return other;
  return ANKISYNC_BINARY;
}

std::string exit_status::describe() const {
  std::string out = exited ? "exit code " + std::to_string(code)
                           : "killed by signal " + std::to_string(signal);
  if (timed_out)
    out += " (did not end in time)";
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

command_result run_ankisync(const std::vector<std::string>& args, const env_list& env,
                            std::chrono::milliseconds timeout) {
  const auto root = make_temp_root();
  std::vector<std::string> argv{binary_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = spawn(argv, env, root / "stdout", root / "stderr");
  command_result result;
  if (auto status = wait_for(pid, timeout)) {
    result.status = *status;
  } else {
    result.status = kill_and_reap(pid);
    result.status.timed_out = true;
  }
  result.out = read_file(root / "stdout");
  result.err = read_file(root / "stderr");
  std::error_code ec;
  fs::remove_all(root, ec);
  return result;
}

temp_folder::temp_folder() : path_(make_temp_root()) {}

temp_folder::~temp_folder() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

server_process::server_process(server_options options) : options_(std::move(options)) {
  root_ = make_temp_root();
  data_dir_ = root_ / "data";
  ready_file_ = root_ / "ready";
  start();
}

server_process::~server_process() {
  if (pid_ > 0)
    kill_and_reap(pid_);
  if (!std::getenv("ANKISYNC_KEEP_TEST_DIRS")) {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
}

fs::path server_process::log_file(const char* stream, int start) const {
  return root_ / (std::string(stream) + "." + std::to_string(start == 0 ? starts_ : start));
}

std::string server_process::stdout_text(int start) const {
  return read_file(log_file("stdout", start));
}
std::string server_process::stderr_text(int start) const {
  return read_file(log_file("stderr", start));
}

void server_process::start() {
  if (pid_ > 0)
    throw std::logic_error("server_process::start: already running");
  std::error_code ec;
  fs::remove(ready_file_, ec);
  ++starts_;
  std::vector<std::string> argv{binary_path(),  "serve",        "--data",
                                data_dir_.string(), "--port",   "0",
                                "--admin-port", "0",            "--ready-file",
                                ready_file_.string()};
  argv.insert(argv.end(), options_.args.begin(), options_.args.end());
  pid_ = spawn(argv, options_.env, log_file("stdout", starts_), log_file("stderr", starts_));

  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  for (;;) {
    // The server renames the ready file into place, so it is whole once seen.
    if (fs::exists(ready_file_)) {
      std::istringstream in(read_file(ready_file_));
      unsigned port = 0, admin = 0;
      if (!(in >> port >> admin) || port == 0 || port > 65535 || admin > 65535)
        throw std::runtime_error("ready file holds '" + read_file(ready_file_) + "'");
      port_ = static_cast<std::uint16_t>(port);
      admin_port_ = static_cast<std::uint16_t>(admin);
      return;
    }
    if (auto status = wait_for(pid_, 0ms)) {
      pid_ = -1;
      throw std::runtime_error("ankisync serve ended before it was ready (" +
                               status->describe() + "); stderr:\n" + stderr_text());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill();
      throw std::runtime_error("ankisync serve was not ready within " +
                               std::to_string(options_.ready_timeout.count()) +
                               " ms; stderr:\n" + stderr_text());
    }
    std::this_thread::sleep_for(5ms);
  }
}

exit_status server_process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0)
    throw std::logic_error("server_process::stop: not running");
  ::kill(pid_, SIGTERM);
  exit_status status;
  if (auto s = wait_for(pid_, grace)) {
    status = *s;
  } else {
    status = kill_and_reap(pid_);
    status.timed_out = true;
  }
  pid_ = -1;
  return status;
}

void server_process::kill() {
  if (pid_ <= 0)
    return;
  kill_and_reap(pid_);
  pid_ = -1;
}

command_result server_process::cli(std::vector<std::string> args) const {
  // `--data` belongs to the command group (`user`), so it goes right after it.
  if (!args.empty())
    args.insert(args.begin() + 1, {"--data", data_dir_.string()});
  return run_ankisync(args, options_.env);
}

client::sync_client server_process::sync_client() const {
  return client::sync_client("127.0.0.1", port_);
}
client::http_client server_process::http() const { return client::http_client("127.0.0.1", port_); }
client::http_client server_process::admin_http() const {
  return client::http_client("127.0.0.1", admin_port_);
}

} // namespace ankisync::integration
