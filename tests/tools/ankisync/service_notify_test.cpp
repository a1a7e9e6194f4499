#include "tools/ankisync/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

namespace {

using ankisync::app::service_notifier;

// A datagram socket standing in for systemd's notify socket.
struct manager_socket {
  std::filesystem::path path;
  int fd = -1;

  manager_socket() {
    path = std::filesystem::temp_directory_path() /
           ("ankisync-notify-" + std::to_string(::getpid()));
    std::filesystem::remove(path);
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval t{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  }
  ~manager_socket() {
    ::close(fd);
    std::filesystem::remove(path);
  }
  std::string receive() const {
    char buf[512];
    auto n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
};

} // namespace

TEST_CASE("the service manager hears ready, watchdog and stopping on its socket") {
  manager_socket manager;
  ::setenv("NOTIFY_SOCKET", manager.path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  service_notifier notifier;

  CHECK(notifier.active());
  REQUIRE(notifier.watchdog_interval());
  CHECK(notifier.watchdog_interval()->count() == 1500);
  // Children (a restart, a helper program) must not speak for the server.
  CHECK(std::getenv("NOTIFY_SOCKET") == nullptr);
  CHECK(std::getenv("WATCHDOG_USEC") == nullptr);

  notifier.ready("serving data on 127.0.0.1:8080");
  CHECK(manager.receive() == "READY=1\nSTATUS=serving data on 127.0.0.1:8080");
  notifier.watchdog_ok();
  CHECK(manager.receive() == "WATCHDOG=1");
  notifier.stopping("stopping");
  CHECK(manager.receive() == "STOPPING=1\nSTATUS=stopping");
}

TEST_CASE("a watchdog meant for another process is not pinged") {
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  ::unsetenv("NOTIFY_SOCKET");
  service_notifier notifier;
  CHECK_FALSE(notifier.active());
  CHECK_FALSE(notifier.watchdog_interval());
  // Without a socket, telling is a no-op rather than an error.
  notifier.ready("x");
}
