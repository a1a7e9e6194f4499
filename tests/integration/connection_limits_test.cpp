// Connection caps and running out of file descriptors
// (docs/operations.md): past a cap a new connection is answered 503 and
// closed, once logged; out of descriptors the accept loop waits instead
// of spinning; either way the server serves again once connections close.

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <memory>
#include <vector>

#include "tests/integration/process_stats.hpp"
#include "tests/integration/raw_connection.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync::integration;
using namespace std::chrono_literals;

namespace {

std::size_t count_lines(const std::string& log, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
    ++n;
  return n;
}

// GET /health over a connection from `source`; the status, or 0 when the
// connection was refused, reset or timed out.
int health_status(std::uint16_t port, const std::string& source = "127.0.0.1") {
  try {
    raw_connection c(port, source);
    if (!c.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
      return 0;
    auto reply = c.read_to_end(3s);
    if (!reply.starts_with("HTTP/1.1 "))
      return 0;
    return std::stoi(reply.substr(9, 3));
  } catch (const std::exception&) {
    return 0;
  }
}

// Opens `n` idle connections from `source` and waits until the server
// has taken them (its descriptor count grew by `n`, or as far as it can).
std::vector<std::unique_ptr<raw_connection>> open_idle(std::uint16_t port, std::size_t n,
                                                       const std::string& source) {
  std::vector<std::unique_ptr<raw_connection>> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(std::make_unique<raw_connection>(port, source));
  return out;
}

} // namespace

TEST_CASE("past connections.max new connections get 503, logged once, and /health recovers") {
  server_options options;
  options.args = {"--set", "connections.max=8", "--set", "connections.max_per_ip=0"};
  server_process server(options);

  auto held = open_idle(server.port(), 8, "127.0.0.2");
  // The server takes them in order; once they are in, every new one is over.
  REQUIRE(eventually([&] { return health_status(server.port(), "127.0.0.3") == 503; }));
  for (int i = 0; i < 20; ++i)
    CHECK(health_status(server.port(), "127.0.0.4") == 503);

  held.clear();
  CHECK(eventually([&] { return health_status(server.port()) == 200; }));
  const auto log = server.stderr_text();
  INFO(log);
  CHECK(count_lines(log, "connection cap reached") == 1);
  CHECK(count_lines(log, "accepting connections again") == 1);
}

TEST_CASE("an address at connections.max_per_ip is refused while another gets in") {
  server_options options;
  options.args = {"--set", "connections.max=100", "--set", "connections.max_per_ip=4"};
  server_process server(options);

  auto held = open_idle(server.port(), 4, "127.0.0.2");
  REQUIRE(eventually([&] { return health_status(server.port(), "127.0.0.2") == 503; }));
  for (int i = 0; i < 10; ++i)
    CHECK(health_status(server.port(), "127.0.0.2") == 503);
  CHECK(health_status(server.port(), "127.0.0.3") == 200);
  const auto log = server.stderr_text();
  INFO(log);
  CHECK(count_lines(log, "connections.max_per_ip") == 1);
}

TEST_CASE("out of file descriptors the server waits instead of spinning, then recovers") {
  server_options options;
  options.args = {"--set", "connections.max=1000", "--set", "connections.max_per_ip=0"};
  server_process server(options);

  // A low descriptor limit on the running server, far below the cap.
  const rlimit low{64, 64};
  REQUIRE(::prlimit(server.pid(), RLIMIT_NOFILE, &low, nullptr) == 0);
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < 100; ++i)
    held.push_back(std::make_unique<raw_connection>(server.port(), "127.0.0.2"));
  // Every descriptor the server may have is taken; the rest wait in the
  // listen backlog.
  REQUIRE(eventually([&] { return open_fds(server.pid()) >= 63; }));
  const double cpu_before = cpu_seconds(server.pid());
  std::this_thread::sleep_for(2s);
  const double cpu_used = cpu_seconds(server.pid()) - cpu_before;
  INFO("CPU seconds while out of descriptors: " << cpu_used);
  CHECK(cpu_used < 0.3);

  held.clear();
  CHECK(eventually([&] { return health_status(server.port()) == 200; }, 10s));
  const auto log = server.stderr_text();
  INFO(log);
  CHECK(count_lines(log, "cannot accept connections") == 1);
}
