#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace ankisync::app {

// One plain-HTTP request to a running server on this machine, for the
// commands that talk to it (health checks, `ankisync backup` and friends
// through the admin endpoint). Raw sockets on purpose: the binary links no
// HTTP client library, and with it no TLS library (docs/deploy.md).
struct plain_reply {
  int status = 0;
  std::string body;
};

// Sends `method target` with `extra_headers` (each "Name: value\r\n") and
// no body, then reads the reply until the server closes; `timeout` bounds
// the whole exchange. Errors: a sentence saying what failed.
std::expected<plain_reply, std::string> plain_request(const std::string& host, std::uint16_t port,
                                                      std::string_view method,
                                                      std::string_view target,
                                                      std::string_view extra_headers,
                                                      std::chrono::milliseconds timeout);

// GET /health answered 200 within `timeout`. Used by `serve --healthcheck`
// (container recipes) and by the service watchdog: a server whose listener
// accepts but whose handlers are stuck must count as down, so a bare
// connect is not enough.
bool probe_health(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

} // namespace ankisync::app
