// The client side of a collection: stamping what a client sends, and the
// lookups a device's edits need.

#include <catch2/catch.hpp>

#include "storage/client_objects.hpp"
#include "storage/notetypes_table.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace ankisync::storage;

namespace {

template <class T>
T must(result<T> r) {
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  if constexpr (!std::is_void_v<T>)
    return std::move(*r);
}

collection open_new(const test::temp_dir& dir) {
  return must(collection::open(dir / "collection.anki2"));
}

} // namespace

TEST_CASE("stamping pending notetypes, decks and deck configs sets the usn and returns their JSON") {
  test::temp_dir dir;
  auto col = open_new(dir);
  auto basic = must(find_notetype_by_name(col, "Basic"));
  REQUIRE(basic.has_value());
  basic->usn = -1;
  must(save_notetype(col, *basic, 100));
  auto deck = must(find_deck(col, 1));
  REQUIRE(deck.has_value());
  deck->usn = -1;
  must(save_deck(col, *deck, 100));

  auto models = must(stamp_pending_notetypes_json(col, 7));
  REQUIRE(models.size() == 1);
  CHECK(models[0].find("\"usn\":7") != std::string::npos);
  CHECK(must(find_notetype(col, basic->id))->usn == 7);
  auto decks = must(stamp_pending_decks_json(col, 7));
  REQUIRE(decks.size() == 1);
  CHECK(decks[0].find("\"usn\":7") != std::string::npos);
  CHECK(must(find_deck(col, 1))->usn == 7);
  // Nothing else was pending.
  CHECK(must(stamp_pending_deck_configs_json(col, 7)).empty());
  CHECK(must(stamp_pending_notetypes_json(col, 8)).empty());
}

TEST_CASE("stamping pending tags and graves leaves other rows alone") {
  test::temp_dir dir;
  auto col = open_new(dir);
  must(col.register_tag("old", 3));
  must(col.register_tag("new", -1));
  must(col.add_grave({10, grave_kind::note}, -1));
  must(col.add_grave({11, grave_kind::card}, 2));

  CHECK(must(stamp_pending_tags(col, 5)) == std::vector<std::string>{"new"});
  CHECK(must(col.pending_tags(-1)).empty());
  CHECK(must(col.pending_tags(5)) == std::vector<std::string>{"new"});
  must(stamp_pending_graves(col, 5));
  CHECK(must(col.pending_graves(-1)) == graves_by_kind{});
  auto since5 = must(col.pending_graves(5));
  CHECK(since5.notes == std::vector<std::int64_t>{10});
  CHECK(since5.cards.empty());
}

TEST_CASE("set_row_usns and the card/note lookups") {
  test::temp_dir dir;
  auto col = open_new(dir);
  auto basic = must(find_notetype_by_name(col, "Basic"));
  note_row note;
  note.id = 100;
  note.guid = "g";
  note.mid = basic->id;
  note.usn = -1;
  note.flds = "a\x1f" "b";
  must(col.put_note(note, note_shape{2, 0}));
  for (std::int64_t id : {201, 202}) {
    card_row card;
    card.id = id;
    card.nid = 100;
    card.did = 1;
    card.usn = -1;
    must(col.put_card(card));
  }
  CHECK(must(card_ids_of_note(col, 100)) == std::vector<std::int64_t>{201, 202});
  CHECK(must(card_ids_in_deck(col, 1)) == std::vector<std::int64_t>{201, 202});
  CHECK(must(note_ids_of_notetype(col, basic->id)) == std::vector<std::int64_t>{100});

  must(set_row_usns(col, synced_table::cards, {201}, 4));
  CHECK(must(col.get_card(201))->usn == 4);
  CHECK(must(col.get_card(202))->usn == -1);
  must(set_row_usns(col, synced_table::notes, {100}, 4));
  CHECK(must(col.get_note(100))->usn == 4);
}
