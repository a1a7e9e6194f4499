#include "tools/ankisync/health_probe.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace ankisync::app {
namespace {

using clock = std::chrono::steady_clock;

// Milliseconds left until `deadline`, for poll(); 0 once it has passed.
int left_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

bool wait_for(int fd, short events, clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, left_ms(deadline));
    if (n > 0)
      return true;
    if (n == 0 || errno != EINTR)
      return false;
  }
}

bool ask(const addrinfo& a, clock::time_point deadline) {
  int fd = ::socket(a.ai_family, a.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a.ai_protocol);
  if (fd < 0)
    return false;
  bool healthy = false;
  do {
    if (::connect(fd, a.ai_addr, a.ai_addrlen) != 0) {
      if (errno != EINPROGRESS || !wait_for(fd, POLLOUT, deadline))
        break;
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
        break;
    }
    static constexpr std::string_view request =
        "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
      break;
    // The status line is all we need: "HTTP/1.1 200 ...".
    char head[16];
    std::size_t got = 0;
    while (got < sizeof head && wait_for(fd, POLLIN, deadline)) {
      ssize_t n = ::recv(fd, head + got, sizeof head - got, 0);
      if (n <= 0)
        break;
      got += static_cast<std::size_t>(n);
    }
    healthy = got >= 12 && std::string_view(head, 12).substr(9, 3) == "200";
  } while (false);
  ::close(fd);
  return healthy;
}

} // namespace

bool probe_health(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  // A server listening on every address is asked on loopback.
  std::string target = host;
  if (target == "0.0.0.0" || target.empty())
    target = "127.0.0.1";
  else if (target == "::")
    target = "::1";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const auto service = std::to_string(port);
  if (::getaddrinfo(target.c_str(), service.c_str(), &hints, &found) != 0)
    return false;
  bool healthy = false;
  for (auto* a = found; a && !healthy; a = a->ai_next)
    healthy = ask(*a, deadline);
  ::freeaddrinfo(found);
  return healthy;
}

} // namespace ankisync::app
