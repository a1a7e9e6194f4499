#include "net/client_ip.hpp"

#include <arpa/inet.h>

#include <array>

namespace ankisync::net {
namespace {

struct source_entry {
  client_ip_source source;
  std::string_view name;   // as SYNC_IP_HEADER takes it
  std::string_view header; // lowercase; empty for the connection
};

constexpr std::array<source_entry, 8> sources{{
    {client_ip_source::connection, "ConnectInfo", ""},
    {client_ip_source::rightmost_x_forwarded_for, "RightmostXForwardedFor", "x-forwarded-for"},
    {client_ip_source::x_real_ip, "XRealIp", "x-real-ip"},
    {client_ip_source::rightmost_forwarded, "RightmostForwarded", "forwarded"},
    {client_ip_source::cf_connecting_ip, "CfConnectingIp", "cf-connecting-ip"},
    {client_ip_source::true_client_ip, "TrueClientIp", "true-client-ip"},
    {client_ip_source::fly_client_ip, "FlyClientIp", "fly-client-ip"},
    {client_ip_source::cloudfront_viewer_address, "CloudFrontViewerAddress",
     "cloudfront-viewer-address"},
}};

const source_entry& entry_of(client_ip_source source) {
  for (const auto& e : sources)
    if (e.source == source)
      return e;
  return sources[0];
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// The text after the last `separator`, trimmed.
std::string_view last_item(std::string_view s, char separator) {
  auto at = s.rfind(separator);
  return trim(at == std::string_view::npos ? s : s.substr(at + 1));
}

// The address in its usual form, if `text` is exactly an IPv4 or IPv6
// address; printing it again drops odd spellings a log could be fooled by.
std::optional<std::string> as_ip(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN)
    return std::nullopt;
  std::string s(text);
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (::inet_pton(AF_INET, s.c_str(), bytes) == 1)
    return std::string(::inet_ntop(AF_INET, bytes, out, sizeof out));
  if (::inet_pton(AF_INET6, s.c_str(), bytes) == 1)
    return std::string(::inet_ntop(AF_INET6, bytes, out, sizeof out));
  return std::nullopt;
}

// "192.0.2.1:443" or "[2001:db8::1]:443" or a bare address.
std::optional<std::string> ip_maybe_with_port(std::string_view text) {
  if (auto ip = as_ip(text))
    return ip;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    return as_ip(text.substr(1, close - 1));
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return std::nullopt;
  return as_ip(text.substr(0, colon));
}

// RFC 7239: the last element's for= parameter, quoted or not, perhaps
// with a port ("for=\"[2001:db8::17]:4711\"").
std::optional<std::string> from_forwarded(std::string_view value) {
  auto element = last_item(value, ',');
  while (!element.empty()) {
    auto semi = element.find(';');
    auto pair = trim(element.substr(0, semi));
    element = semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      continue;
    auto key = trim(pair.substr(0, eq));
    if (key.size() != 3 || (key[0] | 0x20) != 'f' || (key[1] | 0x20) != 'o' ||
        (key[2] | 0x20) != 'r')
      continue;
    auto v = trim(pair.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
      v = v.substr(1, v.size() - 2);
    return ip_maybe_with_port(v);
  }
  return std::nullopt;
}

} // namespace

std::expected<client_ip_source, std::string> parse_client_ip_source(std::string_view name) {
  std::string accepted;
  for (const auto& e : sources) {
    if (e.name == name)
      return e.source;
    accepted += accepted.empty() ? "" : ", ";
    accepted += e.name;
  }
  return std::unexpected("SYNC_IP_HEADER must be one of " + accepted + ", not '" +
                         std::string(name) + "'");
}

std::string_view client_ip_source_name(client_ip_source source) { return entry_of(source).name; }

std::optional<std::string>
client_ip_from_headers(client_ip_source source,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  const auto& e = entry_of(source);
  if (e.header.empty())
    return std::nullopt;
  // A header sent several times counts as one list, in order; the last
  // line is the one the nearest proxy wrote.
  const std::string* last = nullptr;
  for (const auto& [name, value] : headers)
    if (name == e.header)
      last = &value;
  if (!last)
    return std::nullopt;
  switch (source) {
  case client_ip_source::rightmost_x_forwarded_for:
    return as_ip(last_item(*last, ','));
  case client_ip_source::rightmost_forwarded:
    return from_forwarded(*last);
  case client_ip_source::cloudfront_viewer_address: {
    // Always "address:port", an IPv6 address without brackets.
    auto v = trim(*last);
    auto colon = v.rfind(':');
    return colon == std::string_view::npos ? std::nullopt : as_ip(v.substr(0, colon));
  }
  default:
    return as_ip(trim(*last));
  }
}

} // namespace ankisync::net
