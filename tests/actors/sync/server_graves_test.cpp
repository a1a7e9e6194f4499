#include "tests/actors/sync/sync_test_support.hpp"

using namespace ankisync;
using namespace ankisync::actors::sync;
using namespace ankisync::actors::sync::test;

namespace {

// usn of the grave of (oid, kind), or "none".
std::string grave_usn(server& s, std::int64_t oid, int kind) {
  auto r = query_rows(s.db(), "select usn from graves where oid = " + std::to_string(oid) +
                                  " and type = " + std::to_string(kind));
  if (r.empty())
    return "none";
  REQUIRE(r.size() == 1);
  return r[0][0];
}

bool has_row(server& s, const std::string& table, std::int64_t id) {
  return !query_rows(s.db(), "select 1 from " + table + " where id = " + std::to_string(id)).empty();
}

// A second deck, so deleting it leaves the default one.
void add_deck(server& s, std::int64_t id, const std::string& name) {
  auto d = deck_json(s.c(), "Default");
  d["id"] = id;
  d["name"] = name;
  REQUIRE(storage::merge_deck_json(s.c(), text(d), 0, 0));
}

} // namespace

// ---- start ----

TEST_CASE("start captures the server usn, minUsn and lnewer in the session") {
  server s;
  s.set_usn(7);
  s.start(3, true);
  CHECK(s.session.server_usn == 7);
  CHECK(s.session.client_usn == 3);
  CHECK(s.session.client_is_newer);
  CHECK_FALSE(s.session.outgoing);
  CHECK_FALSE(s.session.failed);
  CHECK(s.c().in_transaction());

  s.reopen();
  s.start(7, false);
  CHECK(s.session.client_usn == 7);
  CHECK_FALSE(s.session.client_is_newer);
}

TEST_CASE("start returns the server's graves with usn at or above minUsn only") {
  server s;
  REQUIRE(s.c().add_grave({10, storage::grave_kind::card}, 3));
  REQUIRE(s.c().add_grave({11, storage::grave_kind::card}, 5));
  REQUIRE(s.c().add_grave({20, storage::grave_kind::note}, 4));
  REQUIRE(s.c().add_grave({21, storage::grave_kind::note}, 6));
  REQUIRE(s.c().add_grave({30, storage::grave_kind::deck}, 5));
  REQUIRE(s.c().add_grave({31, storage::grave_kind::deck}, 2));
  s.set_usn(7);
  auto g = s.start(5, false);
  CHECK(g.cards == std::vector<std::int64_t>{11});
  CHECK(g.notes == std::vector<std::int64_t>{21});
  CHECK(g.decks == std::vector<std::int64_t>{30});
}

TEST_CASE("start answers all three grave lists even when there are none") {
  server s;
  auto reply = ok(s.start_raw(R"({"minUsn":0,"lnewer":false,"graves":null})"));
  CHECK(reply == R"({"cards":[],"decks":[],"notes":[]})");
}

TEST_CASE("start without a graves key changes nothing") {
  server s;
  REQUIRE(s.c().put_card(card_row(1, 0)));
  ok(s.start_raw(R"({"minUsn":0,"lnewer":false})"));
  CHECK(has_row(s, "cards", 1));
  CHECK(s.counts().graves == 0);
}

TEST_CASE("legacy graves inside start are applied after the server's graves were collected") {
  server s;
  auto basic = basic_id(s.c());
  put_basic_note(s.c(), note_row(100, 0, basic));
  REQUIRE(s.c().put_card(card_row(1, 0)));
  add_deck(s, 50, "Other");
  REQUIRE(s.c().add_grave({9, storage::grave_kind::card}, 4));
  s.set_usn(4);

  auto reply = ok(s.start_raw(
      R"({"minUsn":4,"lnewer":true,"graves":{"cards":[1],"notes":[100],"decks":[50]}})"));
  auto g = protocol::decode_start_response(reply);
  REQUIRE(g);
  // Only what the server had: the client's own deletions are not echoed.
  CHECK(g->cards == std::vector<std::int64_t>{9});
  CHECK(g->notes.empty());
  CHECK(g->decks.empty());
  // ...but they were applied, stamped with the server usn.
  CHECK_FALSE(has_row(s, "cards", 1));
  CHECK_FALSE(has_row(s, "notes", 100));
  CHECK_FALSE(has_row(s, "decks", 50));
  CHECK(grave_usn(s, 1, 0) == "4");
  CHECK(grave_usn(s, 100, 1) == "4");
  CHECK(grave_usn(s, 50, 2) == "4");
}

TEST_CASE("start applies graves whose ids an old client sent as strings") {
  server s;
  REQUIRE(s.c().put_card(card_row(1, 0)));
  REQUIRE(s.c().put_card(card_row(2, 0)));
  REQUIRE(s.c().put_card(card_row(3, 0)));
  s.set_usn(2);
  ok(s.start_raw(R"({"minUsn":0,"lnewer":false,"graves":{"cards":["1","2"],"notes":[],"decks":[]}})"));
  CHECK_FALSE(has_row(s, "cards", 1));
  CHECK_FALSE(has_row(s, "cards", 2));
  CHECK(has_row(s, "cards", 3));
  CHECK(grave_usn(s, 1, 0) == "2");
  CHECK(grave_usn(s, 2, 0) == "2");
}

TEST_CASE("start's graves are rolled back with the session") {
  server s;
  REQUIRE(s.c().put_card(card_row(1, 0)));
  ok(s.start_raw(R"({"minUsn":0,"lnewer":false,"graves":{"cards":[1],"notes":[],"decks":[]}})"));
  s.reopen(); // closing without finish rolls the session back
  CHECK(has_row(s, "cards", 1));
  CHECK(s.counts().graves == 0);
}

// ---- applyGraves ----

TEST_CASE("applyGraves deletes only the named note, card and deck rows") {
  server s;
  auto basic = basic_id(s.c());
  put_basic_note(s.c(), note_row(100, 0, basic));
  put_basic_note(s.c(), note_row(101, 0, basic));
  REQUIRE(s.c().put_card(card_row(1, 0, 1'700'000'000, 100)));
  REQUIRE(s.c().put_card(card_row(2, 0, 1'700'000'000, 101)));
  auto in_deck = card_row(3, 0, 1'700'000'000, 101);
  in_deck.did = 50;
  REQUIRE(s.c().put_card(in_deck));
  add_deck(s, 50, "Other");
  s.set_usn(3);
  s.start(3, false);

  CHECK(ok(s.apply_graves({{2}, {100}, {50}})) == "null");
  CHECK_FALSE(has_row(s, "notes", 100));
  CHECK_FALSE(has_row(s, "cards", 2));
  CHECK_FALSE(has_row(s, "decks", 50));
  // A deleted note's or deck's cards stay unless named themselves.
  CHECK(has_row(s, "cards", 1));
  CHECK(has_row(s, "cards", 3));
  CHECK(has_row(s, "notes", 101));
  CHECK(has_row(s, "decks", 1));
}

TEST_CASE("applyGraves records each grave with the server usn") {
  server s;
  REQUIRE(s.c().put_card(card_row(1, 0)));
  s.set_usn(6);
  s.start(2, false);
  // Ids the server never had still get graves (deletion is unconditional).
  ok(s.apply_graves({{1, 77}, {88}, {99}}));
  CHECK(grave_usn(s, 1, 0) == "6");
  CHECK(grave_usn(s, 77, 0) == "6");
  CHECK(grave_usn(s, 88, 1) == "6");
  CHECK(grave_usn(s, 99, 2) == "6");
  CHECK(s.counts().graves == 4);
  // The same id of another kind is another grave.
  ok(s.apply_graves({{}, {1}, {}}));
  CHECK(grave_usn(s, 1, 1) == "6");
  CHECK(s.counts().graves == 5);
}

TEST_CASE("applyGraves leaves an existing grave with its old usn") {
  server s;
  REQUIRE(s.c().add_grave({5, storage::grave_kind::note}, 2));
  s.set_usn(6);
  s.start(6, false);
  ok(s.apply_graves({{}, {5}, {}}));
  CHECK(grave_usn(s, 5, 1) == "2");
  CHECK(s.counts().graves == 1);
}

TEST_CASE("applyGraves deletes a row even when the server's copy is newer") {
  server s;
  auto basic = basic_id(s.c());
  s.set_usn(6);
  // Changed on the server after the client last synced (usn 6 >= minUsn 5).
  put_basic_note(s.c(), note_row(100, 6, basic, 1'900'000'000));
  s.start(5, false);
  ok(s.apply_graves({{}, {100}, {}}));
  CHECK_FALSE(has_row(s, "notes", 100));
}

TEST_CASE("graves applied in a session are not sent back by the chunks") {
  server s;
  auto basic = basic_id(s.c());
  put_basic_note(s.c(), note_row(100, 0, basic));
  REQUIRE(s.c().put_card(card_row(1, 0, 1'700'000'000, 100)));
  s.start(0, false);
  ok(s.apply_graves({{1}, {100}, {}}));
  auto c = s.chunk();
  CHECK(c.done);
  CHECK(c.cards.empty());
  CHECK(c.notes.empty());
}
