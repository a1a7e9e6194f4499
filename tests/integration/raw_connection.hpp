#pragma once

// A bare TCP connection to a server on this machine, for tests that need
// what an HTTP client library hides: the source address, a small receive
// buffer, bytes sent or read at a chosen pace, a connection left idle.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace ankisync::integration {

class raw_connection {
public:
  // Connects to 127.0.0.1:`port` from `source` (any 127.x.y.z works on
  // Linux); a `receive_buffer` > 0 caps the kernel's receive buffer, so
  // a reader that stops reading stalls the sender soon.
  explicit raw_connection(std::uint16_t port, const std::string& source = "127.0.0.1",
                          int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
      throw std::runtime_error("socket: " + std::to_string(errno));
    if (receive_buffer > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0)
      throw std::runtime_error("bind " + source + ": " + std::to_string(errno));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
      throw std::runtime_error("connect: " + std::to_string(errno));
  }
  ~raw_connection() { close(); }
  raw_connection(raw_connection&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  raw_connection& operator=(raw_connection&&) = delete;

  // False when the peer is gone.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Up to `max` bytes, waiting at most `timeout` for the first: "" on
  // timeout; nullopt-like empty with `closed()` true at EOF or reset.
  std::string read_some(std::size_t max, std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
      return {};
    std::string out(max, '\0');
    auto n = ::recv(fd_, out.data(), max, 0);
    if (n <= 0) {
      closed_ = true;
      return {};
    }
    out.resize(static_cast<std::size_t>(n));
    return out;
  }

  // Reads until the peer closes or `timeout` passes without a byte.
  std::string read_to_end(std::chrono::milliseconds timeout) {
    std::string out;
    while (!closed_) {
      auto chunk = read_some(64 * 1024, timeout);
      if (chunk.empty() && !closed_)
        break;
      out += chunk;
    }
    return out;
  }

  bool closed() const { return closed_; }
  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

private:
  int fd_ = -1;
  bool closed_ = false;
};

} // namespace ankisync::integration
