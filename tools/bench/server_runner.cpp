#include "tools/bench/server_runner.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tools/child_process/child_process.hpp"
#include "tools/client/http_client.hpp"

namespace ankisync::bench {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

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
  child::env_list extra;
  for (std::size_t i = 0; i < options_.users.size(); ++i)
    extra.emplace_back("SYNC_USER" + std::to_string(i + 1), options_.users[i]);
  if (options_.passwords_hashed)
    extra.emplace_back("PASSWORDS_HASHED", "1");
  const fs::path err = root_ / "stderr";

  const auto forked = std::chrono::steady_clock::now();
  // Started from the main thread: the server dies with the bench.
  pid_ = child::spawn(std::move(argv), child::server_free_environment(extra), root_ / "stdout",
                      err);

  // Starting users' hashing may take a while with many plain passwords. A
  // short poll keeps start_to_health_ms close to the server's own time.
  const auto ports = child::wait_until_ready(pid_, ready, 120s, err, 200us);
  port_ = ports.port;
  admin_port_ = ports.admin_port;
  client::http_client_options health_options{std::chrono::milliseconds(2000), false};
  health_options.tls_ca_file = options_.tls_ca_file;
  client::http_client http("127.0.0.1", port_, health_options);
  std::string last_error;
  for (int tries = 0; tries < 1000; ++tries) {
    client::http_request get;
    get.target = "/health";
    auto r = http.send(get);
    last_error = r ? "status " + std::to_string(r->status) : r.error();
    if (r && r->status == 200) {
      health_ms_ =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - forked)
              .count();
      return;
    }
    std::this_thread::sleep_for(1ms);
  }
  child::kill_and_reap(pid_);
  pid_ = -1;
  throw std::runtime_error("ankisync serve never answered 200 on /health (" + last_error +
                           "):\n" + child::read_file(err));
}

server_runner::~server_runner() {
  if (pid_ > 0)
    child::stop(pid_, 5s);
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
