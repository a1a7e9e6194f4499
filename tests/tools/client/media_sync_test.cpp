// The decision a media sync makes for each row the server reports
// (protocol-media.md §8; upstream's required_change test, and the rows it
// leaves out).

#include <catch2/catch.hpp>

#include "tools/client/media_sync.hpp"

using namespace ankisync::client;
using change = media_required_change;
using state = media_local_state;

TEST_CASE("the pull decision table matches the official client's") {
  // Deleted on both sides.
  CHECK(required_media_change("", "", state::not_in_db) == change::none);
  CHECK(required_media_change("", "", state::clean) == change::remove);
  CHECK(required_media_change("", "", state::dirty) == change::remove);
  // Added on the server: download, even over a pending local deletion.
  CHECK(required_media_change("", "1", state::not_in_db) == change::download);
  CHECK(required_media_change("", "1", state::clean) == change::download);
  CHECK(required_media_change("", "1", state::dirty) == change::download);
  // Deleted on the server: a pending local file is uploaded later; a clean
  // one goes.
  CHECK(required_media_change("1", "", state::dirty) == change::none);
  CHECK(required_media_change("1", "", state::clean) == change::remove);
  // Same content: a pending row becomes clean.
  CHECK(required_media_change("1", "1", state::clean) == change::none);
  CHECK(required_media_change("1", "1", state::dirty) == change::remove_pending);
  // Different content: the server wins.
  CHECK(required_media_change("a", "b", state::dirty) == change::download);
  CHECK(required_media_change("a", "b", state::clean) == change::download);
}
