#pragma once

#include <string_view>

namespace ankisync::net {

// What a request path names on the sync listener, read as forgivingly as
// proxies and clients need (docs/deploy.md lists each case):
// - any prefix before the last two segments ("/anki/sync/meta"), so a
//   proxy may forward a sub-path without stripping it;
// - runs of slashes count as one ("/msync//begin", "//sync/meta");
// - one trailing slash is ignored ("/sync/meta/").
struct sync_path {
  enum class kind { health, sync, media, unknown };
  kind what = kind::unknown;
  std::string_view method; // for sync and media: the last segment
};

// `path` is the target without its query string.
sync_path parse_sync_path(std::string_view path);

} // namespace ankisync::net
