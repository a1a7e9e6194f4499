// The comparison the sync tests rely on must see a difference when there
// is one; otherwise "identical rows in every table" would pass vacuously.

#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/integration/sync_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;

TEST_CASE("differences() reports rows one file lacks and ignores only per-device columns") {
  sync_fixture fx;
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");
  CHECK(differences(d1.file(), d2.file()).empty());

  REQUIRE(d1.add_note({"only here"}).has_value());
  auto diff = differences(d1.file(), d2.file());
  auto mentions = [&](const std::string& prefix) {
    return std::any_of(diff.begin(), diff.end(),
                       [&](const std::string& line) { return line.starts_with(prefix); });
  };
  CHECK(mentions("notes: only in device1"));
  CHECK(mentions("cards: only in device1"));
  // nextPos changed: the value counts, its usn and mtime do not.
  CHECK(mentions("config: only in device1: KEY='nextPos'"));
  // col.mod moved, and is per device.
  CHECK_FALSE(mentions("col:"));

  // A changed value in a row both hold is a difference too.
  REQUIRE(d2.set_config("nextPos", "2").has_value());
  diff = differences(d1.file(), d2.file());
  CHECK_FALSE(mentions("config:"));
  REQUIRE(d2.add_deck_config("x").has_value());
  diff = differences(d1.file(), d2.file());
  CHECK(mentions("deck_config: only in device2"));
}
