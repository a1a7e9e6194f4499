#include "tools/ankisync/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace ankisync::app {
namespace {

std::optional<unsigned long long> number_from_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v, &end, 10);
  if (errno != 0 || *end != '\0')
    return std::nullopt;
  return n;
}

} // namespace

service_notifier::service_notifier() {
  if (const char* path = std::getenv("NOTIFY_SOCKET"); path && *path)
    socket_path_ = path;
  // WATCHDOG_PID names the process the pings are for; a server restarted
  // under new malloc tunables keeps its pid, a forked child would not.
  auto pid = number_from_env("WATCHDOG_PID");
  auto usec = number_from_env("WATCHDOG_USEC");
  if (usec && *usec > 0 && (!pid || *pid == static_cast<unsigned long long>(::getpid())))
    watchdog_interval_ = std::chrono::milliseconds(std::max<unsigned long long>(*usec / 2000, 1));
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

void service_notifier::send(std::string_view message) {
  if (socket_path_.empty())
    return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof addr.sun_path) {
    spdlog::warn("NOTIFY_SOCKET path too long; the service manager is not told the state");
    socket_path_.clear();
    return;
  }
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  // A leading '@' names a socket in the abstract namespace.
  if (addr.sun_path[0] == '@')
    addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return;
  if (::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&addr), len) < 0)
    spdlog::warn("cannot tell the service manager '{}': {}", message, std::strerror(errno));
  ::close(fd);
}

void service_notifier::ready(std::string_view status) {
  send("READY=1\nSTATUS=" + std::string(status));
}

void service_notifier::stopping(std::string_view status) {
  send("STOPPING=1\nSTATUS=" + std::string(status));
}

void service_notifier::watchdog_ok() { send("WATCHDOG=1"); }

} // namespace ankisync::app
