#include "tools/replay/replay_server.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace ankisync::replay {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Anything the operator's environment says about a server must not leak
// into the replay's.
bool is_server_variable(std::string_view name) {
  return name.starts_with("SYNC_") || name.starts_with("ANKISYNC_") ||
         name == "PASSWORDS_HASHED" || name == "MAX_SYNC_PAYLOAD_MEGS";
}

bool exited(pid_t pid, std::chrono::milliseconds within) {
  const auto end = std::chrono::steady_clock::now() + within;
  int raw = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (::waitpid(pid, &raw, WNOHANG) == pid)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

} // namespace

replay_server::replay_server(replay_server_options options) : options_(std::move(options)) {
  std::string pattern = (fs::temp_directory_path() / "ankisync-replay-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  root_ = pattern;
  const auto data = root_ / "data";
  const auto ready = root_ / "ready";
  fs::create_directories(data / options_.user);
  if (fs::is_directory(options_.start_state))
    fs::copy(options_.start_state, data / options_.user, fs::copy_options::recursive);

  std::vector<std::string> argv{options_.binary, "serve",      "--data",      data.string(),
                                "--host",        "127.0.0.1", "--port",      "0",
                                "--no-admin",    "--ready-file", ready.string()};
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    if (!is_server_variable(entry.substr(0, entry.find('='))))
      env.emplace_back(entry);
  }
  env.push_back("SYNC_USER1=" + options_.user + ":" + options_.password);
  std::vector<char*> argv_c, env_c;
  for (auto& s : argv)
    argv_c.push_back(s.data());
  argv_c.push_back(nullptr);
  for (auto& s : env)
    env_c.push_back(s.data());
  env_c.push_back(nullptr);

  const auto log_path = root_ / "server.log";
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execve(argv_c[0], argv_c.data(), env_c.data());
    ::_exit(127);
  }
  // Generous: the first start hashes the password.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(ready);
    unsigned port = 0;
    if (in >> port) {
      port_ = static_cast<std::uint16_t>(port);
      return;
    }
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
      pid_ = -1;
      auto text = log();
      stop();
      throw std::runtime_error("the server exited at start:\n" + text);
    }
    std::this_thread::sleep_for(10ms);
  }
  auto text = log();
  stop();
  throw std::runtime_error("the server did not get ready in 30 s:\n" + text);
}

replay_server::~replay_server() { stop(); }

void replay_server::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!exited(pid_, 5s)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }
  if (!options_.keep && !root_.empty()) {
    std::error_code ec;
    fs::remove_all(root_, ec);
    root_.clear();
  }
}

std::string replay_server::log() const {
  std::ifstream in(root_ / "server.log", std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string default_server_binary() {
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    return {};
  for (auto candidate : {self.parent_path() / "ankisync",
                         self.parent_path().parent_path() / "ankisync" / "ankisync"})
    if (fs::exists(candidate, ec))
      return candidate.string();
  return {};
}

} // namespace ankisync::replay
