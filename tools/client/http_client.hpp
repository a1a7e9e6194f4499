#pragma once

// A small blocking HTTP/1.1 client for talking to a server on this
// machine: the integration tests use it, and it is the transport of the
// reference sync client. Boost.Beast stays inside http_client.cpp; this
// header exposes plain structs only.

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ankisync::client {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method = "GET";
  std::string target = "/";
  header_list headers; // sent as given; Host and Content-Length are added
  std::string body;
  // Send the body with chunked transfer encoding (no Content-Length), as a
  // streaming client would.
  bool chunked = false;
};

struct http_response {
  int status = 0;
  header_list headers; // names lowercased
  std::string body;

  // First header of that name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

struct http_client_options {
  // Bounds each exchange: connecting, sending and reading the reply.
  std::chrono::milliseconds timeout{10000};
  // Keep the connection open between requests when the server allows it.
  bool keep_alive = true;
  // Put before every target ("/anki" sends "/anki/sync/meta"): a server
  // reached through a proxy under a sub-path.
  std::string path_prefix;
  // Connect from this local address (e.g. "127.0.0.2"): on loopback, a
  // test can stand for several client machines.
  std::string source_address;
  // HTTPS when set: the server's chain must lead to a certificate in this
  // PEM file and name the host connected to.
  std::string tls_ca_file;
};

// One connection to host:port, opened on first use and reopened when the
// server closed it. Not thread-safe: use one client per thread.
class http_client {
public:
  http_client(std::string host, std::uint16_t port, http_client_options options = {});
  ~http_client();
  http_client(http_client&&) noexcept;
  http_client& operator=(http_client&&) noexcept;

  // Errors are transport failures (connection refused, timeout, a reply
  // that is not HTTP), as a sentence; any HTTP status is a response.
  std::expected<http_response, std::string> send(const http_request& request);

  // Closes the connection, if one is open.
  void close();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace ankisync::client
