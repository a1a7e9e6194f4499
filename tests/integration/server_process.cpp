#include "tests/integration/server_process.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "tests/integration/sanitizer_report.hpp"

namespace ankisync::integration {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

pid_t spawn(std::vector<std::string> argv, const env_list& env, const fs::path& out,
            const fs::path& err) {
  // Tests start servers from the main thread: the child dies with it.
  return child::spawn(std::move(argv), child::server_free_environment(env), out, err);
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

command_result run_ankisync(const std::vector<std::string>& args, const env_list& env,
                            std::chrono::milliseconds timeout) {
  const auto root = make_temp_root();
  std::vector<std::string> argv{binary_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = spawn(argv, env, root / "stdout", root / "stderr");
  command_result result;
  if (auto status = child::wait_for(pid, timeout)) {
    result.status = *status;
  } else {
    result.status = child::kill_and_reap(pid);
    result.status.timed_out = true;
  }
  result.out = read_file(root / "stdout");
  result.err = read_file(root / "stderr");
  std::error_code ec;
  fs::remove_all(root, ec);
  if (auto report = sanitizer_report(result.err))
    throw std::runtime_error("sanitizer report from `ankisync " + (args.empty() ? "" : args[0]) +
                             "`:\n" + *report);
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
  if (options_.prepare) {
    fs::create_directories(data_dir_);
    options_.prepare(data_dir_);
  }
  start();
}

server_process::~server_process() {
  if (pid_ > 0) {
#ifdef ANKISYNC_SANITIZED
    // Ended the way an operator ends it, so LeakSanitizer looks at the exit.
    child::stop(pid_, 5s);
#else
    child::kill_and_reap(pid_);
#endif
  }
  // A destructor cannot fail the test by throwing; ending the test program
  // with the report does (ctest shows it).
  try {
    check_sanitizer_reports();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::fflush(stderr);
    std::_Exit(1);
  }
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

  const auto ports =
      child::wait_until_ready(pid_, ready_file_, options_.ready_timeout, log_file("stderr", starts_));
  port_ = ports.port;
  admin_port_ = ports.admin_port;
}

exit_status server_process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0)
    throw std::logic_error("server_process::stop: not running");
  const auto status = child::stop(pid_, grace);
  pid_ = -1;
  check_sanitizer_reports();
  return status;
}

void server_process::kill() {
  if (pid_ <= 0)
    return;
  child::kill_and_reap(pid_);
  pid_ = -1;
  check_sanitizer_reports();
}

void server_process::check_sanitizer_reports() {
  for (; checked_starts_ < starts_; ++checked_starts_) {
    const int start = checked_starts_ + 1;
    if (auto report = sanitizer_report(stderr_text(start)))
      throw std::runtime_error("sanitizer report in the server's stderr (start " +
                               std::to_string(start) + "):\n" + *report);
  }
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
