#include <catch2/catch.hpp>

#include "objects_db.hpp"
#include "storage/deck_config_defaults.hpp"
#include "storage/deck_config_table.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::objects_db;

namespace {

deck_config_row make_config(std::int64_t id, std::string name, std::int32_t usn = 0) {
  deck_config_row c;
  c.id = id;
  c.name = std::move(name);
  c.mtime_secs = 100;
  c.usn = usn;
  c.config = default_deck_config();
  return c;
}

} // namespace

TEST_CASE("a deck config is stored and read back", "[deck_config_table]") {
  objects_db t;
  auto c = make_config(1, "Default");
  c.config.set_new_per_day(33);
  REQUIRE(put_deck_config(t.db, c));
  auto back = get_deck_config(t.db, 1);
  REQUIRE(back);
  REQUIRE(*back);
  CHECK((*back)->config.new_per_day() == 33);
  CHECK((*back)->config.learn_steps_size() == 2);
  CHECK(*count_deck_configs(t.db) == 1);
  REQUIRE(delete_deck_config(t.db, 1));
  CHECK(*count_deck_configs(t.db) == 0);
}

TEST_CASE("deck config names may repeat and are looked up case-insensitively",
          "[deck_config_table]") {
  objects_db t;
  REQUIRE(put_deck_config(t.db, make_config(5, "Same")));
  REQUIRE(put_deck_config(t.db, make_config(3, "same")));
  auto c = get_deck_config_by_name(t.db, "SAME");
  REQUIRE(c);
  REQUIRE(*c);
  CHECK((*c)->id == 3);
}

TEST_CASE("reading a deck config repairs invalid values", "[deck_config_table]") {
  objects_db t;
  // The fixture's default config is an empty blob: all zeros.
  REQUIRE(sqlite3_exec(t.db, "INSERT INTO deck_config VALUES (1, 'Default', 0, 0, X'')", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  auto c = get_deck_config(t.db, 1);
  REQUIRE(c);
  REQUIRE(*c);
  CHECK((*c)->config.initial_ease() == 2.5f);
  CHECK((*c)->config.cap_answer_time_to_secs() == 60);
  CHECK((*c)->config.new_per_day() == 0);
}

TEST_CASE("pending deck configs are those at or above the usn", "[deck_config_table]") {
  objects_db t;
  REQUIRE(put_deck_config(t.db, make_config(1, "A", 4)));
  REQUIRE(put_deck_config(t.db, make_config(2, "B", 6)));
  auto p = pending_deck_configs(t.db, 5);
  REQUIRE(p);
  REQUIRE(p->size() == 1);
  CHECK((*p)[0].id == 2);
  CHECK(all_deck_configs(t.db)->size() == 2);
  CHECK_FALSE(put_deck_config(t.db, make_config(0, "zero")));
}
