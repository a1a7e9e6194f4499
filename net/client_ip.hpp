#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ankisync::net {

// Where the address of the client behind a proxy is read from, named as
// the official server's SYNC_IP_HEADER names it. `connection` is the
// socket's peer: no proxy, or a proxy whose clients may share limits.
enum class client_ip_source {
  connection,
  rightmost_x_forwarded_for,
  x_real_ip,
  rightmost_forwarded,
  cf_connecting_ip,
  true_client_ip,
  fly_client_ip,
  cloudfront_viewer_address,
};

// "RightmostXForwardedFor", "XRealIp", ... (and "ConnectInfo"); an unknown
// name gives the sentence listing the accepted ones.
std::expected<client_ip_source, std::string> parse_client_ip_source(std::string_view name);
std::string_view client_ip_source_name(client_ip_source source);

// The client's address from the request's headers (lowercase names), in
// its usual text form, or nothing when the header is absent or does not
// hold an IP address. Only the last value a proxy appended is trusted:
// what a client wrote in the header itself comes before it.
std::optional<std::string>
client_ip_from_headers(client_ip_source source,
                       const std::vector<std::pair<std::string, std::string>>& headers);

} // namespace ankisync::net
