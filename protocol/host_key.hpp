#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// Body of /sync/hostKey: {"u": username, "p": password}, both required strings.
struct host_key_request {
  std::string username;
  std::string password;
};

std::expected<host_key_request, sync_error> decode_host_key_request(std::string_view json);
std::string encode_host_key_request(const host_key_request& r);

// Answer: {"key": "<host key>"}.
std::string encode_host_key_response(std::string_view key);
std::expected<std::string, sync_error> decode_host_key_response(std::string_view json);

} // namespace ankisync::protocol
