#include "tools/ankisync/health_probe.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

namespace {

using namespace std::chrono_literals;

// A listener on a free loopback port that answers one connection with
// `reply` (or holds it silent when empty).
struct one_shot_server {
  int fd = -1;
  std::uint16_t port = 0;
  std::thread thread;

  explicit one_shot_server(std::string reply) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    REQUIRE(::listen(fd, 4) == 0);
    thread = std::thread([this, reply] {
      int c = ::accept(fd, nullptr, nullptr);
      if (c < 0)
        return;
      char buf[512];
      (void)::recv(c, buf, sizeof buf, 0);
      if (!reply.empty())
        (void)::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      else
        std::this_thread::sleep_for(1500ms);
      ::close(c);
    });
  }
  ~one_shot_server() {
    thread.join();
    ::close(fd);
  }
};

} // namespace

TEST_CASE("health: a 200 answer is healthy") {
  one_shot_server server("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
  CHECK(ankisync::app::probe_health("127.0.0.1", server.port, 5s));
}

TEST_CASE("health: a 503 answer is not") {
  one_shot_server server("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
  CHECK_FALSE(ankisync::app::probe_health("127.0.0.1", server.port, 5s));
}

TEST_CASE("health: a server that accepts but never answers is not, within the timeout") {
  one_shot_server server("");
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(ankisync::app::probe_health("0.0.0.0", server.port, 300ms));
  CHECK(std::chrono::steady_clock::now() - start < 1400ms);
}

TEST_CASE("health: nothing listening is not healthy") {
  std::uint16_t port;
  {
    one_shot_server server("HTTP/1.1 200 OK\r\n\r\n");
    port = server.port;
    CHECK(ankisync::app::probe_health("127.0.0.1", port, 5s));
  }
  CHECK_FALSE(ankisync::app::probe_health("127.0.0.1", port, 1s));
}
