#include "net/sync_path.hpp"

namespace ankisync::net {
namespace {

std::string_view trim_slashes_right(std::string_view s) {
  while (!s.empty() && s.back() == '/')
    s.remove_suffix(1);
  return s;
}

// The last segment of `s` (no trailing slash) and what comes before it,
// with the slashes between them dropped.
std::pair<std::string_view, std::string_view> split_last(std::string_view s) {
  auto slash = s.rfind('/');
  if (slash == std::string_view::npos)
    return {std::string_view(), s};
  return {trim_slashes_right(s.substr(0, slash)), s.substr(slash + 1)};
}

} // namespace

sync_path parse_sync_path(std::string_view path) {
  if (!path.starts_with('/'))
    return {};
  auto [rest, last] = split_last(trim_slashes_right(path));
  if (last.empty())
    return {};
  if (last == "health")
    return {sync_path::kind::health, {}};
  auto [unused, family] = split_last(rest);
  (void)unused;
  if (family == "sync")
    return {sync_path::kind::sync, last};
  if (family == "msync")
    return {sync_path::kind::media, last};
  return {};
}

} // namespace ankisync::net
