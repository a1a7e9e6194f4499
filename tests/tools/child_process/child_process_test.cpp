#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tools/child_process/child_process.hpp"

namespace fs = std::filesystem;
using namespace ankisync::child;
using namespace std::chrono_literals;

namespace {

struct scratch {
  fs::path dir;
  scratch() {
    std::string pattern = (fs::temp_directory_path() / "ankisync-child-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()));
    dir = pattern;
  }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

pid_t sh(const std::string& script, const fs::path& out, const fs::path& err = {},
         env_list env = {}) {
  return spawn({"/bin/sh", "-c", script}, server_free_environment(env), out, err);
}

} // namespace

TEST_CASE("the child's environment drops the server's variables and adds the given ones") {
  ::setenv("SYNC_PORT", "9999", 1);
  ::setenv("ANKISYNC_ADMIN_TOKEN", "secret", 1);
  ::setenv("PASSWORDS_HASHED", "1", 1);
  ::setenv("ANKISYNC_CHILD_TEST_KEEP_ME_NOT", "x", 1);
  ::setenv("CHILD_TEST_KEPT", "yes", 1);
  const auto env = server_free_environment({{"SYNC_USER1", "a:b"}});
  auto has = [&](const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
  };
  CHECK(has("CHILD_TEST_KEPT=yes"));
  CHECK(has("SYNC_USER1=a:b"));
  for (const char* gone : {"SYNC_PORT=9999", "ANKISYNC_ADMIN_TOKEN=secret", "PASSWORDS_HASHED=1",
                           "ANKISYNC_CHILD_TEST_KEEP_ME_NOT=x"}) {
    INFO(gone);
    CHECK_FALSE(has(gone));
  }
  for (const char* v : {"SYNC_PORT", "ANKISYNC_ADMIN_TOKEN", "PASSWORDS_HASHED",
                        "ANKISYNC_CHILD_TEST_KEEP_ME_NOT", "CHILD_TEST_KEPT"})
    ::unsetenv(v);
}

TEST_CASE("a child's output goes to its files and its exit code comes back") {
  scratch s;
  const pid_t pid =
      sh("echo out-line; echo err-line >&2; echo \"$SYNC_USER1\"; exit 3", s.dir / "out",
         s.dir / "err", {{"SYNC_USER1", "u:p"}});
  auto status = wait_for(pid, 10s);
  REQUIRE(status);
  CHECK(status->exited);
  CHECK(status->code == 3);
  CHECK_FALSE(status->clean());
  CHECK(read_file(s.dir / "out") == "out-line\nu:p\n");
  CHECK(read_file(s.dir / "err") == "err-line\n");
}

TEST_CASE("without an error file both streams share one log") {
  scratch s;
  const pid_t pid = sh("echo one; echo two >&2", s.dir / "log");
  REQUIRE(wait_for(pid, 10s));
  const auto log = read_file(s.dir / "log");
  CHECK(log.find("one\n") != std::string::npos);
  CHECK(log.find("two\n") != std::string::npos);
}

TEST_CASE("stop asks politely, then kills a child that ignores SIGTERM") {
  scratch s;
  SECTION("a child that exits on SIGTERM") {
    // Stopped only once the shell runs: between fork and exec the child
    // still has the test runner's own SIGTERM handler. The ready file is
    // renamed into place, as the server does: a reader could otherwise see
    // it created and still empty.
    const pid_t pid = sh("echo 1 0 > " + (s.dir / "r.tmp").string() + "; mv " +
                             (s.dir / "r.tmp").string() + " " + (s.dir / "ready").string() +
                             "; exec sleep 30",
                         s.dir / "out");
    pid_t waited = pid;
    wait_until_ready(waited, s.dir / "ready", 10s, s.dir / "out");
    const auto status = stop(pid, 5s);
    CHECK_FALSE(status.timed_out);
    CHECK_FALSE(status.exited);
    CHECK(status.signal == SIGTERM);
  }
  SECTION("a child that ignores it") {
    // The ready file says the trap is set before stop() is called.
    const pid_t pid = sh("trap '' TERM; echo 1 0 > " + (s.dir / "r.tmp").string() + "; mv " +
                             (s.dir / "r.tmp").string() + " " + (s.dir / "ready").string() +
                             "; while true; do sleep 0.05; done",
                         s.dir / "out");
    pid_t waited = pid;
    wait_until_ready(waited, s.dir / "ready", 10s, s.dir / "out");
    const auto status = stop(pid, 200ms);
    CHECK(status.timed_out);
    CHECK(status.signal == SIGKILL);
  }
}

TEST_CASE("waiting for readiness reads the ports, or says why the child never got ready") {
  scratch s;
  SECTION("ready") {
    pid_t pid = sh("sleep 0.1; echo '4321 4322' > " + (s.dir / "r.tmp").string() + "; mv " +
                       (s.dir / "r.tmp").string() + " " + (s.dir / "ready").string() +
                       "; exec sleep 30",
                   s.dir / "out");
    const auto ports = wait_until_ready(pid, s.dir / "ready", 10s, s.dir / "out");
    CHECK(ports.port == 4321);
    CHECK(ports.admin_port == 4322);
    stop(pid, 5s);
  }
  SECTION("the child exits first") {
    pid_t pid = sh("echo 'cannot bind' >&2; exit 2", s.dir / "out");
    REQUIRE_THROWS_WITH(wait_until_ready(pid, s.dir / "ready", 10s, s.dir / "out"),
                        Catch::Contains("exit code 2") && Catch::Contains("cannot bind"));
    CHECK(pid == -1);
  }
  SECTION("the child never gets ready") {
    pid_t pid = sh("echo starting; exec sleep 30", s.dir / "out");
    REQUIRE_THROWS_WITH(wait_until_ready(pid, s.dir / "ready", 200ms, s.dir / "out"),
                        Catch::Contains("not ready within 200 ms") && Catch::Contains("starting"));
    CHECK(pid == -1);
  }
  SECTION("a ready file that is not two ports") {
    std::ofstream(s.dir / "ready") << "hello";
    CHECK_THROWS_WITH(read_ready_file(s.dir / "ready"), Catch::Contains("hello"));
    fs::remove(s.dir / "ready");
    // The output comes before the ready file, so the message can hold it.
    pid_t pid = sh("echo confused; echo hello > " + (s.dir / "r.tmp").string() + "; mv " +
                       (s.dir / "r.tmp").string() + " " + (s.dir / "ready").string() +
                       "; exec sleep 30",
                   s.dir / "out");
    REQUIRE_THROWS_WITH(wait_until_ready(pid, s.dir / "ready", 10s, s.dir / "out"),
                        Catch::Contains("hello") && Catch::Contains("confused"));
    CHECK(pid == -1);
  }
}
