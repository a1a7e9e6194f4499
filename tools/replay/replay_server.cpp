#include "tools/replay/replay_server.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "tools/child_process/child_process.hpp"

namespace ankisync::replay {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

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
  // Anything the operator's environment says about a server must not leak
  // into the replay's.
  auto env = child::server_free_environment(
      {{"SYNC_USER1", options_.user + ":" + options_.password}});
  pid_ = child::spawn(std::move(argv), std::move(env), root_ / "server.log");
  try {
    // Generous: the first start hashes the password.
    port_ = child::wait_until_ready(pid_, ready, 30s, root_ / "server.log").port;
  } catch (...) {
    stop();
    throw;
  }
}

replay_server::~replay_server() { stop(); }

void replay_server::stop() {
  if (pid_ > 0) {
    child::stop(pid_, 5s);
    pid_ = -1;
  }
  if (!options_.keep && !root_.empty()) {
    std::error_code ec;
    fs::remove_all(root_, ec);
    root_.clear();
  }
}

std::string replay_server::log() const { return child::read_file(root_ / "server.log"); }

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
