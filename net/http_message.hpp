#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/envelope.hpp"

namespace ankisync::net {

// A request whose head and body have been read, without any Beast types,
// so route handlers compile without Beast's headers.
struct http_request {
  std::string method; // "GET", "POST", ...
  std::string target; // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers; // names lowercased
  protocol::body_source body; // in memory, or spilled to a temp file
  // The client's address: the socket's peer, or what the proxy said in
  // the header SYNC_IP_HEADER names (net/client_ip.hpp).
  std::string peer_ip;
  // A header was configured but this request lacked it (or it held no
  // address); peer_ip is then the proxy's.
  bool client_ip_missing = false;

  // First header with this (lowercase) name, or nullptr.
  const std::string* header(std::string_view lowercase_name) const {
    for (auto& [k, v] : headers)
      if (k == lowercase_name)
        return &v;
    return nullptr;
  }
  std::string path() const { return target.substr(0, target.find('?')); }
};

struct http_response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is this file instead (streamed from disk); the
  // listener deletes it once written or when the client goes away.
  std::string body_file;
  // For the request log line only, as the client sent them (the log
  // escapes them): who made the request, if known, and why it failed, if
  // it did; the client's version and sync session key, if it sent them.
  std::string user;
  std::string note;
  std::string client_version;
  std::string session;
  // For the metrics: what a complete reply of this kind counts as.
  enum class transfer_kind { none, full_upload, full_download };
  transfer_kind transfer = transfer_kind::none;
};

// May be called from any thread, exactly once.
using respond_fn = std::function<void(http_response)>;
// Called on an I/O thread once a request has been read; must not block.
using request_handler = std::function<void(http_request&&, respond_fn)>;

} // namespace ankisync::net
