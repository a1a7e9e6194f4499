#include "tools/bench/server_runner.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "tools/client/http_client.hpp"

extern char** environ;

namespace ankisync::bench {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_server_variable(std::string_view name) {
  return name.starts_with("SYNC_") || name.starts_with("ANKISYNC_") ||
         name == "PASSWORDS_HASHED" || name == "MAX_SYNC_PAYLOAD_MEGS";
}

void kill_child(pid_t& pid) {
  int raw = 0;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &raw, 0);
  pid = -1;
}

} // namespace

server_runner::server_runner(server_runner_options options) : options_(std::move(options)) {
  std::string pattern = (fs::temp_directory_path() / "ankisync-bench-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  root_ = pattern;
  const fs::path ready = root_ / "ready";
  fs::create_directories(root_ / "data");
  if (options_.prepare)
    options_.prepare(root_ / "data");

  std::vector<std::string> argv{options_.binary, "serve",         "--data",
                                (root_ / "data").string(), "--port", "0",
                                "--admin-port", "0",        "--ready-file",
                                ready.string()};
  if (!options_.profile.empty()) {
    argv.push_back("--profile");
    argv.push_back(options_.profile);
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    if (!is_server_variable(entry.substr(0, entry.find('='))))
      env.emplace_back(entry);
  }
  for (std::size_t i = 0; i < options_.users.size(); ++i)
    env.push_back("SYNC_USER" + std::to_string(i + 1) + "=" + options_.users[i]);
  if (options_.passwords_hashed)
    env.push_back("PASSWORDS_HASHED=1");

  std::vector<char*> argv_c, env_c;
  for (auto& s : argv)
    argv_c.push_back(s.data());
  argv_c.push_back(nullptr);
  for (auto& s : env)
    env_c.push_back(s.data());
  env_c.push_back(nullptr);
  const std::string out = (root_ / "stdout").string(), err = (root_ / "stderr").string();
  const pid_t parent = ::getpid();

  const auto forked = std::chrono::steady_clock::now();
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    int i = ::open("/dev/null", O_RDONLY);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (i < 0 || o < 0 || e < 0 || ::dup2(i, 0) < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0)
      ::_exit(127);
    ::execve(argv_c[0], argv_c.data(), env_c.data());
    ::_exit(127);
  }

  // Starting users' hashing may take a while with many plain passwords.
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  for (;;) {
    if (fs::exists(ready)) {
      std::istringstream in(slurp(ready));
      unsigned port = 0, admin = 0;
      if (in >> port >> admin && port > 0 && port <= 65535) {
        port_ = static_cast<std::uint16_t>(port);
        admin_port_ = static_cast<std::uint16_t>(admin);
        client::http_client http("127.0.0.1", port_, {std::chrono::milliseconds(2000), false});
        for (int tries = 0; tries < 1000; ++tries) {
          client::http_request get;
          get.target = "/health";
          auto r = http.send(get);
          if (r && r->status == 200) {
            health_ms_ = std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - forked)
                             .count();
            return;
          }
          std::this_thread::sleep_for(1ms);
        }
        kill_child(pid_);
        throw std::runtime_error("ankisync serve never answered 200 on /health:\n" + slurp(err));
      }
    }
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("ankisync serve ended before it was ready:\n" + slurp(err));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill_child(pid_);
      throw std::runtime_error("ankisync serve was not ready within 120 s:\n" + slurp(err));
    }
    std::this_thread::sleep_for(200us);
  }
}

server_runner::~server_runner() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    int raw = 0;
    while (::waitpid(pid_, &raw, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &raw, 0);
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
  }
  std::error_code ec;
  fs::remove_all(root_, ec);
}

std::uint64_t rss_bytes(pid_t pid) { return status_bytes(pid, "VmRSS"); }

std::uint64_t status_bytes(pid_t pid, std::string_view field) {
  if (pid <= 0)
    return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':')
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10) * 1024;
  }
  return 0;
}

double cpu_ms(pid_t pid) {
  if (pid <= 0)
    return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const auto close = text.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14)
      utime = std::strtod(field.c_str(), nullptr);
    if (i == 15)
      stime = std::strtod(field.c_str(), nullptr);
  }
  return (utime + stime) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

rss_sampler::rss_sampler(pid_t pid) : pid_(pid) {
  start_ = rss_bytes(pid_);
  peak_ = start_;
  if (pid_ <= 0)
    return;
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      const auto r = rss_bytes(pid_);
      if (r > peak_.load())
        peak_ = r;
      std::this_thread::sleep_for(1ms);
    }
  });
}

void rss_sampler::stop() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
}

rss_sampler::~rss_sampler() { stop(); }

} // namespace ankisync::bench
