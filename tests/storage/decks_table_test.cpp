#include <catch2/catch.hpp>

#include "objects_db.hpp"
#include "storage/decks_table.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::objects_db;

namespace {

deck_row make_deck(std::int64_t id, std::string native_name, std::int32_t usn = 0) {
  deck_row d;
  d.id = id;
  d.name = std::move(native_name);
  d.mtime_secs = 100;
  d.usn = usn;
  d.common.set_study_collapsed(true);
  d.common.set_other(R"({"x":1})");
  d.kind.mutable_normal()->set_config_id(1);
  return d;
}

} // namespace

TEST_CASE("a deck is stored and read back", "[decks_table]") {
  objects_db t;
  auto filtered = make_deck(2, "Filtered");
  filtered.kind.mutable_filtered()->set_reschedule(true);
  REQUIRE(put_deck(t.db, make_deck(1, "Default")));
  REQUIRE(put_deck(t.db, filtered));
  auto d = get_deck(t.db, 1);
  REQUIRE(d);
  REQUIRE(*d);
  CHECK((*d)->name == "Default");
  CHECK((*d)->common.study_collapsed());
  CHECK((*d)->common.other() == R"({"x":1})");
  CHECK((*d)->kind.normal().config_id() == 1);
  auto f = get_deck(t.db, 2);
  REQUIRE(f);
  CHECK((*f)->is_filtered());
  CHECK(*count_decks(t.db) == 2);
  REQUIRE(delete_deck(t.db, 2));
  CHECK(*count_decks(t.db) == 1);
  auto gone = get_deck(t.db, 2);
  REQUIRE(gone);
  CHECK_FALSE(*gone);
}

TEST_CASE("decks are found by native name case-insensitively", "[decks_table]") {
  objects_db t;
  REQUIRE(put_deck(t.db, make_deck(1, "Lang\x1fSpanish")));
  auto id = deck_id_by_name(t.db, "lang\x1fSPANISH");
  REQUIRE(id);
  CHECK(*id == std::optional<std::int64_t>(1));
  auto d = get_deck_by_name(t.db, "LANG\x1fspanish");
  REQUIRE(d);
  REQUIRE(*d);
  CHECK((*d)->id == 1);
}

TEST_CASE("pending decks are those at or above the usn", "[decks_table]") {
  objects_db t;
  REQUIRE(put_deck(t.db, make_deck(1, "A", 1)));
  REQUIRE(put_deck(t.db, make_deck(2, "B", 2)));
  REQUIRE(put_deck(t.db, make_deck(3, "C", -1)));
  auto p = pending_decks(t.db, 2);
  REQUIRE(p);
  REQUIRE(p->size() == 1);
  CHECK((*p)[0].id == 2);
  auto local = pending_decks(t.db, -1);
  REQUIRE(local);
  REQUIRE(local->size() == 1);
  CHECK((*local)[0].id == 3);
  CHECK(all_decks(t.db)->size() == 3);
}

TEST_CASE("a clashing deck name gets '+' until unique", "[decks_table]") {
  objects_db t;
  REQUIRE(put_deck(t.db, make_deck(1, "Default")));
  auto incoming = make_deck(9, "DEFAULT");
  auto renamed = ensure_deck_name_unique(t.db, incoming, 7, 1700000000);
  REQUIRE(renamed);
  CHECK(*renamed);
  CHECK(incoming.name == "DEFAULT+");
  CHECK(incoming.usn == 7);
  CHECK(incoming.mtime_secs == 1700000000);
  REQUIRE(put_deck(t.db, incoming));
  auto clash = put_deck(t.db, make_deck(10, "default"));
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == storage_errc::exists);
  deck_row no_kind = make_deck(11, "No kind");
  no_kind.kind.clear_kind();
  CHECK_FALSE(put_deck(t.db, no_kind));
}
