// Notetypes, decks and deck configs of a collection written by a real
// client, through our tables and the schema-11 converters. Built only when
// the shared fixtures folder exists (tests/CMakeLists.txt).
#ifdef ANKISYNC_FIXTURES_DIR

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>

#include "storage/deck_config_table.hpp"
#include "storage/decks_table.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_notetype.hpp"
#include "storage/unicase.hpp"
#include "temp_dir.hpp"

using namespace ankisync::storage;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Opens a private copy: SQLite writes to files it opens, and the shared
// fixture must stay as it is.
struct fixture_copy {
  test::temp_dir dir;
  sqlite3* db = nullptr;
  explicit fixture_copy(const char* name) {
    fs::path copy = dir / name;
    fs::copy_file(fs::path(ANKISYNC_FIXTURES_DIR) / name, copy);
    REQUIRE(sqlite3_open(copy.c_str(), &db) == SQLITE_OK);
    sqlite3_extended_result_codes(db, 1);
    REQUIRE(register_unicase(db));
  }
  ~fixture_copy() { sqlite3_close(db); }
};

} // namespace

TEST_CASE("a real collection's notetypes round-trip through schema 11", "[fixture]") {
  fixture_copy f("schema18-real-74notes.anki2");
  auto nts = all_notetypes(f.db);
  REQUIRE(nts);
  REQUIRE(nts->size() == 1);
  const auto& basic = nts->front();
  CHECK(basic.name == "Basic");
  CHECK(basic.fields.size() == 2);
  CHECK(basic.templates.size() == 1);
  json::object once = notetype_to_schema11(basic);
  auto back = notetype_from_schema11(once);
  REQUIRE(back);
  CHECK(notetype_to_schema11(*back) == once);
  CHECK(back->config.SerializeAsString() == basic.config.SerializeAsString());
  CHECK(back->fields[1].config.SerializeAsString() == basic.fields[1].config.SerializeAsString());
  // Writing it back (by name check first, as a sync would) keeps it intact.
  auto same = *back;
  auto renamed = ensure_notetype_name_unique(f.db, same, 0, 0);
  REQUIRE(renamed);
  CHECK_FALSE(*renamed);
  REQUIRE(put_notetype(f.db, same));
  auto again = get_notetype(f.db, basic.id);
  REQUIRE(again);
  REQUIRE(*again);
  CHECK(notetype_to_schema11(**again) == once);
}

TEST_CASE("a real collection's decks and deck configs round-trip through schema 11", "[fixture]") {
  fixture_copy f("schema18-real-74notes.anki2");
  auto decks = all_decks(f.db);
  REQUIRE(decks);
  REQUIRE(decks->size() == 3);
  for (const auto& d : *decks) {
    json::object once = deck_to_schema11(d);
    auto back = deck_from_schema11(once);
    REQUIRE(back);
    CHECK(back->name == d.name);
    CHECK(deck_to_schema11(*back) == once);
  }
  auto confs = all_deck_configs(f.db);
  REQUIRE(confs);
  REQUIRE(confs->size() == 1);
  // Its blob is empty: the read repairs the out-of-range zeros.
  CHECK(confs->front().config.initial_ease() == 2.5f);
  json::object once = deck_config_to_schema11(confs->front());
  auto back = deck_config_from_schema11(once);
  REQUIRE(back);
  CHECK(deck_config_to_schema11(*back) == once);
  auto by_name = get_deck_by_name(f.db, "S_ANGLAIS");
  REQUIRE(by_name);
  REQUIRE(*by_name);
  CHECK((*by_name)->id == 1724247100445);
}

#endif
