#pragma once

// Log lines as JSON, one object per line (ANKISYNC_LOG_FORMAT=json), for
// log shippers. Client strings go in as they came: Boost.JSON escapes
// quotes and controls, and bytes that are not UTF-8 become U+FFFD, so
// every line parses and nothing a client sends can forge a line.

#include <cstdint>
#include <string>
#include <string_view>

namespace ankisync::protocol {

// The fields of one request's log line (net/request_log.hpp).
struct request_log_fields {
  std::string_view listener;       // "sync", "admin"
  std::string_view client_ip;
  std::string_view method;
  std::string_view uri;            // the path, without the query
  std::string_view user;           // "" when unknown
  std::string_view client_version; // "" when the request carried none
  std::string_view session;        // the sync session key, "" outside one
  double elapsed_ms = 0;
  int status = 0;                  // 0: no reply was chosen (cut early)
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::string_view reason;         // why it failed (status >= 400) or was cut
  bool cut = false;
};

// {"msg":"request",...fields}: empty strings are left out.
std::string encode_request_log(const request_log_fields& fields);

// {"ts":ts,"level":level,"msg":message}.
std::string encode_log_line(std::string_view ts, std::string_view level, std::string_view message);
// {"ts":ts,"level":level, ...members of `object`}: `object` is a JSON
// object this library wrote (encode_request_log).
std::string encode_log_line_with(std::string_view ts, std::string_view level,
                                 std::string_view object);

// `text` with every byte sequence that is not UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

} // namespace ankisync::protocol
