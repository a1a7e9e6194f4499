#include "net/sync_path.hpp"

#include <catch2/catch.hpp>

using ankisync::net::parse_sync_path;
using kind = ankisync::net::sync_path::kind;

TEST_CASE("sync path: the plain routes") {
  CHECK(parse_sync_path("/health").what == kind::health);
  auto meta = parse_sync_path("/sync/meta");
  CHECK(meta.what == kind::sync);
  CHECK(meta.method == "meta");
  auto begin = parse_sync_path("/msync/begin");
  CHECK(begin.what == kind::media);
  CHECK(begin.method == "begin");
}

TEST_CASE("sync path: under a prefix a proxy did not strip") {
  auto meta = parse_sync_path("/anki/sync/meta");
  CHECK(meta.what == kind::sync);
  CHECK(meta.method == "meta");
  CHECK(parse_sync_path("/a/b/msync/uploadChanges").method == "uploadChanges");
  CHECK(parse_sync_path("/anki/health").what == kind::health);
}

TEST_CASE("sync path: doubled and trailing slashes") {
  auto begin = parse_sync_path("/msync//begin");
  CHECK(begin.what == kind::media);
  CHECK(begin.method == "begin");
  CHECK(parse_sync_path("//sync/meta").method == "meta");
  CHECK(parse_sync_path("/anki//sync//meta/").method == "meta");
  CHECK(parse_sync_path("/health/").what == kind::health);
}

TEST_CASE("sync path: anything else is unknown") {
  for (auto p : {"", "/", "sync/meta", "/sync", "/sync/", "/meta", "/x/meta", "/syncx/meta",
                 "/msync", "//"})
    CHECK(parse_sync_path(p).what == kind::unknown);
}
