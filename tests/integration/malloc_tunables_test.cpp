#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/test_support.hpp"

using namespace ankisync::integration;

namespace {

// The environment the running server process has now (after any restart).
std::string environment_of(const server_process& server) {
  std::string env = read_file("/proc/" + std::to_string(server.pid()) + "/environ");
  for (auto& c : env)
    if (c == '\0')
      c = '\n';
  return env;
}

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_CASE("under pi the server runs with glibc's per-thread malloc cache off, started once") {
  server_process server({{}, {"--profile", "pi"}});
  CHECK(environment_of(server).find("GLIBC_TUNABLES=glibc.malloc.tcache_count=0\n") !=
        std::string::npos);
  // Still named after its binary, as ps and pgrep show it.
  CHECK(read_file("/proc/" + std::to_string(server.pid()) + "/comm") == "ankisync\n");
  // The restart happens before anything is logged: the profile line once.
  CHECK(count_of(server.stderr_text() + server.stdout_text(), "profile pi") == 1);
  auto r = server.http().send(get("/health"));
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
}

TEST_CASE("a tcache setting of the user's own wins over the profile's") {
  server_process server({{{"GLIBC_TUNABLES", "glibc.malloc.tcache_count=3"}}, {"--profile", "pi"}});
  CHECK(environment_of(server).find("GLIBC_TUNABLES=glibc.malloc.tcache_count=3\n") !=
        std::string::npos);
}

TEST_CASE("under server glibc's malloc defaults stay") {
  server_process server({{}, {"--profile", "server"}});
  CHECK(environment_of(server).find("glibc.malloc.tcache_count") == std::string::npos);
}
