#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ankisync::app {

// Tells a service manager how the server is doing, through the datagram
// socket systemd passes in NOTIFY_SOCKET (Type=notify units). Outside such
// a unit there is no socket and every call does nothing, so the server
// needs no systemd library and behaves the same from a shell.
class service_notifier {
public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, then removes them
  // from the environment so no child process answers in our name.
  service_notifier();

  bool active() const { return !socket_path_.empty(); }
  void ready(std::string_view status);
  void stopping(std::string_view status);
  void watchdog_ok();
  // How often to ping: half the manager's timeout, or nothing when the
  // unit has no WatchdogSec.
  std::optional<std::chrono::milliseconds> watchdog_interval() const { return watchdog_interval_; }

private:
  void send(std::string_view message);

  std::string socket_path_;
  std::optional<std::chrono::milliseconds> watchdog_interval_;
};

} // namespace ankisync::app
