#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ankisync::app {

// Asks a running server for GET /health over TCP and waits at most
// `timeout` for "200". Used by `serve --healthcheck` (container recipes) and
// by the service watchdog: a server whose listener accepts but whose
// handlers are stuck must count as down, so a bare connect is not enough.
bool probe_health(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout);

} // namespace ankisync::app
