#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "net/client_ip.hpp"
#include "net/http_message.hpp"
#include "protocol/server_metrics.hpp"

namespace ankisync::net {

class tls_endpoint;

// Limits a listener enforces before any handler sees a request.
struct listener_limits {
  // Bodies over this many bytes are refused with 413.
  std::uint64_t max_body_bytes = 100ull << 20;
  // Bodies over this many bytes are written to a temp file in `spill_dir`.
  std::uint64_t spill_bytes = 256 * 1024;
  std::filesystem::path spill_dir;
  // Open connections at most, in all and per client address (0: no cap);
  // past either, a new connection is answered 503 and closed at once.
  std::size_t max_connections = 0;
  std::size_t max_connections_per_ip = 0;
  // A request's header must be complete this long after its first byte
  // (on a new connection: after it is accepted), however steadily it
  // trickles in.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  // Reading a header or body, or writing a reply: no byte moved for this
  // long cuts the connection (logged as cut, with the bytes moved). Any
  // progress starts it over, so a slow but steady transfer never ends.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // A kept-alive connection waiting for its next request closes after this.
  std::chrono::milliseconds keep_alive_timeout{std::chrono::seconds(120)};
  // Behind a proxy: the header naming the client (SYNC_IP_HEADER). The
  // connection caps still count sockets, which all come from the proxy.
  client_ip_source ip_source = client_ip_source::connection;
};

// HTTP/1.1 with keep-alive over Boost.Beast, on its own I/O threads.
// Several listeners share the threads. Beast lives only in the .cpp.
class http_server {
public:
  // `counters` must outlive the server; every listener adds its requests,
  // bytes and durations to them.
  http_server(unsigned io_threads, protocol::server_metrics& counters);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Listeners opened after this speak HTTPS with the endpoint's current
  // certificate (tls_loader.hpp); before, or with null, plain HTTP.
  void use_tls(std::shared_ptr<tls_endpoint> tls);
  // Binds and starts accepting; returns the bound port (useful with 0).
  // `name` tags the log lines ("sync", "admin").
  std::expected<std::uint16_t, std::string> listen(const std::string& name,
                                                   const std::string& host, std::uint16_t port,
                                                   listener_limits limits,
                                                   request_handler handler);
  // Runs the I/O threads; returns at once.
  void start();
  // The first step of a shutdown: closes the listeners and every
  // connection that is between requests; a request being read, worked on
  // or answered goes on, and its connection closes after the reply.
  void stop_accepting();
  // Waits until no request is in flight or `deadline` passes; returns how
  // many were still in flight.
  std::size_t drain(std::chrono::steady_clock::time_point deadline);
  // Stops accepting, cuts every connection and joins the I/O threads.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ankisync::net
