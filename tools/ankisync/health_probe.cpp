#include "tools/ankisync/health_probe.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

// The whole reply as received, or why there is none.
std::expected<std::string, std::string> exchange(const addrinfo& a, std::string_view request,
                                                 clock::time_point deadline) {
  int fd = ::socket(a.ai_family, a.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a.ai_protocol);
  if (fd < 0)
    return std::unexpected(std::string("socket: ") + std::strerror(errno));
  std::expected<std::string, std::string> out = std::unexpected("no answer in time");
  do {
    if (::connect(fd, a.ai_addr, a.ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        out = std::unexpected(std::string("cannot connect: ") + std::strerror(errno));
        break;
      }
      if (!wait_for(fd, POLLOUT, deadline))
        break;
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        out = std::unexpected(std::string("cannot connect: ") + std::strerror(err));
        break;
      }
    }
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      out = std::unexpected("the request could not be sent");
      break;
    }
    std::string reply;
    char buf[16384];
    bool closed = false;
    while (wait_for(fd, POLLIN, deadline)) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0) {
        closed = true;
        break;
      }
      reply.append(buf, static_cast<std::size_t>(n));
    }
    if (closed && !reply.empty())
      out = std::move(reply);
  } while (false);
  ::close(fd);
  return out;
}

// "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"; a chunked body is not expected
// (the server states the length of what it sends).
std::expected<plain_reply, std::string> parse(const std::string& raw) {
  auto end_of_head = raw.find("\r\n\r\n");
  if (raw.size() < 12 || !raw.starts_with("HTTP/1.") || end_of_head == std::string::npos)
    return std::unexpected("the answer is not HTTP");
  plain_reply r;
  r.status = std::atoi(raw.c_str() + 9);
  r.body = raw.substr(end_of_head + 4);
  return r;
}

} // namespace

std::expected<plain_reply, std::string> plain_request(const std::string& host, std::uint16_t port,
                                                      std::string_view method,
                                                      std::string_view target,
                                                      std::string_view extra_headers,
                                                      std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  // A server listening on every address is asked on loopback.
  std::string to = host;
  if (to == "0.0.0.0" || to.empty())
    to = "127.0.0.1";
  else if (to == "::")
    to = "::1";
  std::string request;
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
  request.append(extra_headers);
  if (method == "POST")
    request.append("Content-Length: 0\r\n");
  request.append("Connection: close\r\n\r\n");

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const auto service = std::to_string(port);
  if (int rc = ::getaddrinfo(to.c_str(), service.c_str(), &hints, &found); rc != 0)
    return std::unexpected(std::string("cannot resolve ") + to + ": " + ::gai_strerror(rc));
  std::expected<std::string, std::string> raw = std::unexpected("no address");
  for (auto* a = found; a; a = a->ai_next) {
    raw = exchange(*a, request, deadline);
    if (raw)
      break;
  }
  ::freeaddrinfo(found);
  if (!raw)
    return std::unexpected(raw.error());
  return parse(*raw);
}

bool probe_health(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
  auto r = plain_request(host, port, "GET", "/health", "", timeout);
  return r && r->status == 200;
}

} // namespace ankisync::app
