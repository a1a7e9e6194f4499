#include "tests/actors/sync/sync_test_support.hpp"

#include "actors/sync/chunk_rows.hpp"
#include "actors/sync/row_convert.hpp"
#include "storage/note_fields.hpp"

#include <map>

using namespace ankisync;
using namespace ankisync::actors::sync;
using namespace ankisync::actors::sync::test;

namespace {

// Seeds `revlog`, `notes` and `cards` rows at `usn`, ids starting at 1000
// (revlog), 1'000'000 (notes) and 2'000'000 (cards), in one transaction.
void seed(server& s, int revlog, int notes, int cards, std::int32_t usn = 0) {
  const auto basic = basic_id(s.c());
  REQUIRE(s.c().begin());
  for (int i = 0; i < revlog; ++i)
    REQUIRE(s.c().add_revlog(revlog_row(1000 + i, usn)));
  for (int i = 0; i < notes; ++i)
    REQUIRE(s.c().put_note(note_row(1'000'000 + i, usn, basic), {2, 0}));
  for (int i = 0; i < cards; ++i)
    REQUIRE(s.c().put_card(card_row(2'000'000 + i, usn)));
  REQUIRE(s.c().commit());
}

std::size_t rows_in(const protocol::chunk_entry& c) {
  return c.revlog.size() + c.notes.size() + c.cards.size();
}

struct sent_ids {
  std::vector<std::int64_t> revlog, notes, cards;
};
sent_ids ids_in(const std::vector<protocol::chunk_entry>& chunks) {
  sent_ids out;
  for (auto& c : chunks) {
    for (auto& e : c.revlog) out.revlog.push_back(e.id);
    for (auto& e : c.notes) out.notes.push_back(e.id);
    for (auto& e : c.cards) out.cards.push_back(e.id);
  }
  return out;
}
std::vector<std::int64_t> range(std::int64_t from, int n) {
  std::vector<std::int64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(from + i);
  return out;
}
std::vector<std::int64_t> sorted(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

storage::card_row stored_card(server& s, std::int64_t id) {
  auto c = s.c().get_card(id);
  REQUIRE(c);
  REQUIRE(*c);
  return **c;
}
storage::note_row stored_note(server& s, std::int64_t id) {
  auto n = s.c().get_note(id);
  REQUIRE(n);
  REQUIRE(*n);
  return **n;
}

protocol::chunk_entry with_cards(std::vector<protocol::card_entry> cards) {
  protocol::chunk_entry c;
  c.done = true;
  c.cards = std::move(cards);
  return c;
}
protocol::chunk_entry with_notes(std::vector<protocol::note_entry> notes) {
  protocol::chunk_entry c;
  c.done = true;
  c.notes = std::move(notes);
  return c;
}

} // namespace

// ---- chunk ----

TEST_CASE("the first chunk snapshots the pending ids, so later changes are not sent") {
  server s;
  seed(s, 1, 1, 1);
  s.start(0, false);
  CHECK_FALSE(s.session.outgoing);
  // Deleted before the first chunk: not in the snapshot.
  ok(s.apply_graves({{2'000'000}, {}, {}}));
  auto first = s.chunk();
  REQUIRE(s.session.outgoing);
  CHECK(first.done);
  CHECK(first.revlog.size() == 1);
  CHECK(first.notes.size() == 1);
  CHECK(first.cards.empty());
  // Rows arriving after the snapshot (the client's applyChunk) stay out.
  ok(s.apply_chunk(with_cards({card_entry(3'000'000, 0, 1'700'000'000)})));
  auto next = s.chunk();
  CHECK(next.done);
  CHECK(rows_in(next) == 0);
}

TEST_CASE("a chunk's snapshot is taken once, not on every call") {
  server s;
  seed(s, 300, 0, 0);
  s.start(0, false);
  auto first = s.chunk();
  CHECK_FALSE(first.done);
  CHECK(first.revlog.size() == 250);
  // New rows after the first chunk are not picked up by the second.
  REQUIRE(s.c().add_revlog(revlog_row(9'999, 0)));
  auto second = s.chunk();
  CHECK(second.done);
  CHECK(second.revlog.size() == 50);
  CHECK(sorted(ids_in({first, second}).revlog) == range(1000, 300));
}

TEST_CASE("only rows at or above minUsn are sent, each with its stored usn") {
  server s;
  const auto basic = basic_id(s.c());
  REQUIRE(s.c().add_revlog(revlog_row(1, 2)));
  REQUIRE(s.c().add_revlog(revlog_row(2, 3)));
  REQUIRE(s.c().add_revlog(revlog_row(3, 4)));
  put_basic_note(s.c(), note_row(10, 2, basic));
  put_basic_note(s.c(), note_row(11, 4, basic));
  REQUIRE(s.c().put_card(card_row(20, 3)));
  REQUIRE(s.c().put_card(card_row(21, 1)));
  s.set_usn(9);
  s.start(3, false);
  auto c = s.chunk();
  CHECK(c.done);
  REQUIRE(c.revlog.size() == 2);
  REQUIRE(c.notes.size() == 1);
  REQUIRE(c.cards.size() == 1);
  std::map<std::int64_t, std::int32_t> usns;
  for (auto& e : c.revlog) usns[e.id] = e.usn;
  CHECK(usns == std::map<std::int64_t, std::int32_t>{{2, 3}, {3, 4}});
  CHECK(c.notes[0].id == 11);
  CHECK(c.notes[0].usn == 4); // not the server usn 9
  CHECK(c.cards[0].id == 20);
  CHECK(c.cards[0].usn == 3);
}

TEST_CASE("chunk rows carry every stored column, and notes go out with blank sfld and csum") {
  server s;
  const auto basic = basic_id(s.c());
  auto card = card_row(20, 0);
  card.ord = 1;
  card.queue = -3;
  card.due = -5;
  card.odue = 7;
  card.odid = 1234;
  card.flags = 2;
  card.lapses = 3;
  card.left = 1002;
  card.data = R"({"pos":3})";
  REQUIRE(s.c().put_card(card));
  auto note = note_row(10, 0, basic, 1'700'000'000, "<b>Front</b>\x1f" "Back");
  put_basic_note(s.c(), note);
  REQUIRE(s.c().add_revlog(revlog_row(30, 0, 20)));
  REQUIRE(stored_note(s, 10).sfld == "Front"); // stored, but not sent
  s.start(0, false);

  auto reply = ok(server_chunk(s.c(), s.session));
  auto c = protocol::decode_chunk_entry(reply);
  REQUIRE(c);
  REQUIRE(c->cards.size() == 1);
  CHECK(to_row(c->cards[0]) == card);
  REQUIRE(c->revlog.size() == 1);
  CHECK(to_row(c->revlog[0]) == revlog_row(30, 0, 20));
  REQUIRE(c->notes.size() == 1);
  const auto& n = c->notes[0];
  CHECK(n.id == 10);
  CHECK(n.guid == note.guid);
  CHECK(n.mid == basic);
  CHECK(n.mod == note.mod);
  CHECK(n.usn == 0);
  CHECK(n.tags == " tag1 ");
  CHECK(n.flds == "<b>Front</b>\x1f" "Back");
  CHECK(n.sfld.empty());
  CHECK(n.csum.empty());
  CHECK(n.flags == 0);
  CHECK(n.data.empty());
  // On the wire: sfld and csum are empty strings, flags 0, data "".
  auto row = boost::json::parse(reply).at("notes").at(0).as_array();
  REQUIRE(row.size() == 11);
  CHECK(row[7] == boost::json::value(""));
  CHECK(row[8] == boost::json::value(""));
  CHECK(row[9] == boost::json::value(0));
  CHECK(row[10] == boost::json::value(""));
}

TEST_CASE("a chunk interleaves revlog, notes and cards, one of each per round") {
  server s;
  // Far more revlog than the budget: sequential filling would send only
  // revlog in the first chunk.
  seed(s, 300, 2, 2);
  s.start(0, false);
  auto first = s.chunk();
  CHECK(first.notes.size() == 2);
  CHECK(first.cards.size() == 2);
  CHECK(first.revlog.size() == 246);
  CHECK(rows_in(first) == 250);
  CHECK_FALSE(first.done);
  auto second = s.chunk();
  CHECK(second.revlog.size() == 54);
  CHECK(second.done);
}

TEST_CASE("a chunk of exactly 250 rows is not done, and the next call is an empty done chunk") {
  server s;
  seed(s, 250, 0, 0);
  s.start(0, false);
  auto first = s.chunk();
  CHECK(first.revlog.size() == 250);
  CHECK_FALSE(first.done);
  auto reply = ok(server_chunk(s.c(), s.session));
  CHECK(reply == R"({"done":true})");
  // And it stays so.
  CHECK(ok(server_chunk(s.c(), s.session)) == R"({"done":true})");
}

TEST_CASE("a chunk of exactly 250 rows mixed over two tables is not done") {
  server s;
  // 10 rounds of three, then 110 rounds of two: 30 + 220 = 250.
  seed(s, 10, 120, 120);
  s.start(0, false);
  auto first = s.chunk();
  CHECK(first.revlog.size() == 10);
  CHECK(first.notes.size() == 120);
  CHECK(first.cards.size() == 120);
  CHECK_FALSE(first.done);
  auto second = s.chunk();
  CHECK(second.done);
  CHECK(rows_in(second) == 0);
}

TEST_CASE("249 rows fit one done chunk") {
  server s;
  seed(s, 83, 83, 83);
  s.start(0, false);
  auto c = s.chunk();
  CHECK(rows_in(c) == 249);
  CHECK(c.done);
}

TEST_CASE("a chunk holds at most 252 rows, 84 of each kind when all three are plentiful") {
  server s;
  seed(s, 300, 300, 300);
  s.start(0, false);
  auto first = s.chunk();
  CHECK(first.revlog.size() == 84);
  CHECK(first.notes.size() == 84);
  CHECK(first.cards.size() == 84);
  CHECK(rows_in(first) == 252);
  CHECK_FALSE(first.done);
}

TEST_CASE("with 251 pending rows the first chunk is not done and mixes all three kinds (B5)") {
  server s;
  seed(s, 100, 100, 51);
  s.start(0, false);
  auto chunks = s.all_chunks();
  REQUIRE(chunks.size() >= 2);
  CHECK_FALSE(chunks[0].done);
  CHECK(rows_in(chunks[0]) <= 252);
  CHECK_FALSE(chunks[0].revlog.empty());
  CHECK_FALSE(chunks[0].notes.empty());
  CHECK_FALSE(chunks[0].cards.empty());
  auto sent = ids_in(chunks);
  CHECK(sorted(sent.revlog) == range(1000, 100));
  CHECK(sorted(sent.notes) == range(1'000'000, 100));
  CHECK(sorted(sent.cards) == range(2'000'000, 51));
}

TEST_CASE("chunks send every pending row exactly once, none over 252 rows") {
  server s;
  seed(s, 400, 333, 301);
  s.start(0, false);
  auto chunks = s.all_chunks();
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    INFO("chunk " << i);
    CHECK(rows_in(chunks[i]) <= 252);
    CHECK(chunks[i].done == (i + 1 == chunks.size()));
  }
  auto sent = ids_in(chunks);
  CHECK(sorted(sent.revlog) == range(1000, 400));
  CHECK(sorted(sent.notes) == range(1'000'000, 333));
  CHECK(sorted(sent.cards) == range(2'000'000, 301));
}

TEST_CASE("a chunk with nothing pending is empty and done") {
  server s;
  seed(s, 3, 3, 3, 1);
  s.set_usn(2);
  s.start(2, false);
  CHECK(ok(server_chunk(s.c(), s.session)) == R"({"done":true})");
}

// ---- applyChunk ----

TEST_CASE("applyChunk inserts new revlog entries and never changes existing ones") {
  server s;
  REQUIRE(s.c().add_revlog(revlog_row(1, 0)));
  s.set_usn(4);
  s.start(0, false);
  protocol::chunk_entry c;
  c.revlog = {revlog_entry(1, 4, 1), revlog_entry(2, 4, 2)};
  CHECK(ok(s.apply_chunk(c)) == "null");
  auto kept = s.c().get_revlog(1);
  REQUIRE(kept);
  REQUIRE(*kept);
  CHECK(**kept == revlog_row(1, 0));
  auto added = s.c().get_revlog(2);
  REQUIRE(added);
  REQUIRE(*added);
  CHECK(**added == to_row(revlog_entry(2, 4, 2)));
}

TEST_CASE("applyChunk inserts cards the server does not have, as the client sent them") {
  server s;
  s.set_usn(4);
  s.start(4, false);
  auto e = card_entry(1, 4, 1'700'000'000);
  e.queue = -1;
  e.data = R"({"pos":3})";
  ok(s.apply_chunk(with_cards({e})));
  CHECK(stored_card(s, 1) == to_row(e));
}

TEST_CASE("rows a client stamped with an older server usn are stored with the session's") {
  // The client's meta saw usn 3; another device's sync then committed, and
  // this session started at 5. A device that synced at 4 asks from 5 next:
  // rows left at 3 would never reach it.
  server s;
  const auto basic = basic_id(s.c());
  s.set_usn(5);
  s.start(2, false);
  protocol::chunk_entry c;
  c.revlog = {revlog_entry(7, 3, 1)};
  c.cards = {card_entry(1, 3, 1'700'000'000)};
  c.notes = {note_entry(1, 3, basic, 1'700'000'000)};
  ok(s.apply_chunk(c));
  CHECK(stored_card(s, 1).usn == 5);
  CHECK(stored_note(s, 1).usn == 5);
  auto review = s.c().get_revlog(7);
  REQUIRE(review);
  REQUIRE(*review);
  CHECK((*review)->usn == 5);
}

TEST_CASE("an incoming card replaces a server card the client has already seen, even if older") {
  server s;
  // usn 2 < minUsn 4: unchanged on the server since the client's last sync.
  REQUIRE(s.c().put_card(card_row(1, 2, 1'800'000'000)));
  s.set_usn(4);
  s.start(4, false);
  auto e = card_entry(1, 4, 1'700'000'000);
  ok(s.apply_chunk(with_cards({e})));
  CHECK(stored_card(s, 1) == to_row(e));
}

TEST_CASE("a card changed on both sides goes to the newer mtime, and an equal mtime to the client's") {
  server s;
  REQUIRE(s.c().put_card(card_row(1, 4, 1'700'000'100)));
  REQUIRE(s.c().put_card(card_row(2, 4, 1'700'000'100)));
  REQUIRE(s.c().put_card(card_row(3, 4, 1'700'000'100)));
  s.set_usn(4);
  s.start(4, false);
  ok(s.apply_chunk(with_cards({card_entry(1, 4, 1'700'000'099), card_entry(2, 4, 1'700'000'100),
                               card_entry(3, 4, 1'700'000'101)})));
  CHECK(stored_card(s, 1) == card_row(1, 4, 1'700'000'100));
  // The client kept its own against ours (it sends only what it kept), so
  // taking it leaves both ends with one version.
  CHECK(stored_card(s, 2) == to_row(card_entry(2, 4, 1'700'000'100)));
  CHECK(stored_card(s, 3) == to_row(card_entry(3, 4, 1'700'000'101)));
}

TEST_CASE("notes follow the same replace rules as cards") {
  server s;
  const auto basic = basic_id(s.c());
  put_basic_note(s.c(), note_row(1, 2, basic, 1'800'000'000)); // seen by the client
  put_basic_note(s.c(), note_row(2, 4, basic, 1'700'000'100)); // changed on both: older in
  put_basic_note(s.c(), note_row(3, 4, basic, 1'700'000'100)); // changed on both: tie
  put_basic_note(s.c(), note_row(4, 4, basic, 1'700'000'100)); // changed on both: newer in
  s.set_usn(4);
  s.start(4, false);
  ok(s.apply_chunk(with_notes({note_entry(1, 4, basic, 1'700'000'000),
                               note_entry(2, 4, basic, 1'700'000'099),
                               note_entry(3, 4, basic, 1'700'000'100),
                               note_entry(4, 4, basic, 1'700'000'101),
                               note_entry(5, 4, basic, 1'700'000'000)})));
  CHECK(stored_note(s, 1).flds == "new front\x1f" "new back");
  CHECK(stored_note(s, 1).mod == 1'700'000'000);
  CHECK(stored_note(s, 2).flds == "front\x1f" "back");
  CHECK(stored_note(s, 3).flds == "new front\x1f" "new back");
  CHECK(stored_note(s, 3).tags == " fromclient ");
  CHECK(stored_note(s, 4).flds == "new front\x1f" "new back");
  CHECK(stored_note(s, 4).tags == " fromclient ");
  CHECK(stored_note(s, 5).usn == 4);
}

TEST_CASE("a tie the server took reaches a device that edited the card too, with unchanged client rules") {
  // Devices A and B edit card 1 within the same second. B synced first, so
  // the server holds B's version at usn 4; A's sync brings A's version.
  server s;
  REQUIRE(s.c().put_card(card_row(1, 4, 1'700'000'100)));
  s.set_usn(5);
  s.start(4, false);
  auto from_a = card_entry(1, 5, 1'700'000'100);
  from_a.due = 4242;
  ok(s.apply_chunk(with_cards({from_a})));
  CHECK(stored_card(s, 1) == to_row(from_a));

  // B's own client, upstream's rule (minUsn -1: its rows at -1 are its
  // unsent edits): B's copy went up at usn 4 and is not pending, so the
  // server's version replaces it whatever the mtimes.
  temp_dir b_dir;
  auto b = open_collection(b_dir / "collection.anki2");
  REQUIRE(b.put_card(card_row(1, 4, 1'700'000'100)));
  protocol::chunk_entry from_server;
  from_server.done = true;
  from_server.cards = {to_entry(stored_card(s, 1))};
  REQUIRE(apply_chunk_rows(b, from_server, -1));
  auto on_b = b.get_card(1);
  REQUIRE(on_b);
  REQUIRE(*on_b);
  CHECK(**on_b == to_row(from_a));
}

TEST_CASE("the client side keeps upstream's rule: on an equal mtime its own pending row stays") {
  temp_dir dir;
  auto col = open_collection(dir / "collection.anki2");
  REQUIRE(col.put_card(card_row(1, -1, 1'700'000'100)));
  REQUIRE(apply_chunk_rows(col, with_cards({card_entry(1, 4, 1'700'000'100)}), -1));
  auto kept = col.get_card(1);
  REQUIRE(kept);
  REQUIRE(*kept);
  CHECK(**kept == card_row(1, -1, 1'700'000'100));
}

TEST_CASE("with minUsn -1 only server rows at usn -1 count as changed on the server") {
  // Upstream's is_pending_sync: -1 means exactly -1, not "everything".
  server s;
  const auto basic = basic_id(s.c());
  REQUIRE(s.c().put_card(card_row(1, 3, 1'700'000'100)));
  put_basic_note(s.c(), note_row(2, 3, basic, 1'700'000'100));
  REQUIRE(s.c().put_card(card_row(3, -1, 1'700'000'100)));
  put_basic_note(s.c(), note_row(4, -1, basic, 1'700'000'100));
  s.start(-1, false);
  ok(s.apply_chunk(with_cards({card_entry(1, 3, 1'700'000'000), card_entry(3, 3, 1'700'000'000)})));
  ok(s.apply_chunk(with_notes({note_entry(2, 3, basic, 1'700'000'000),
                               note_entry(4, 3, basic, 1'700'000'000)})));
  // usn 3 is not pending for -1: replaced although newer (and stamped
  // with the session's usn).
  auto replaced = to_row(card_entry(1, 3, 1'700'000'000));
  replaced.usn = s.session.server_usn;
  CHECK(stored_card(s, 1) == replaced);
  CHECK(stored_note(s, 2).mod == 1'700'000'000);
  // usn -1 is: the newer server copy stays.
  CHECK(stored_card(s, 3) == card_row(3, -1, 1'700'000'100));
  CHECK(stored_note(s, 4).mod == 1'700'000'100);
}

TEST_CASE("a note whose notetype does not exist fails the step") {
  server s;
  s.start(0, false);
  auto r = s.apply_chunk(with_notes({note_entry(1, 0, 424242, 1'700'000'000)}));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == protocol::error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::Contains("424242"));
  CHECK_FALSE(s.c().get_note(1).value());
}

TEST_CASE("a note with the wrong number of fields fails the step") {
  server s;
  const auto basic = basic_id(s.c());
  s.start(0, false);
  for (std::string flds : {"only one", "a\x1f" "b\x1f" "c"}) {
    INFO(flds);
    auto r = s.apply_chunk(with_notes({note_entry(1, 0, basic, 1'700'000'000, flds)}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == protocol::error_code::bad_request);
    CHECK_FALSE(s.c().get_note(1).value());
  }
}

TEST_CASE("an older note for an unknown notetype is skipped before its notetype is checked") {
  // The replace rule runs first, as upstream: a kept server copy needs no
  // notetype lookup.
  server s;
  const auto basic = basic_id(s.c());
  put_basic_note(s.c(), note_row(1, 4, basic, 1'700'000'100));
  s.set_usn(4);
  s.start(4, false);
  CHECK(s.apply_chunk(with_notes({note_entry(1, 4, 424242, 1'700'000'000)})));
  CHECK(stored_note(s, 1).mid == basic);
}

TEST_CASE("an older note with the wrong number of fields is skipped, a newer one fails") {
  // Only a note that would be written is checked, as upstream.
  server s;
  const auto basic = basic_id(s.c());
  put_basic_note(s.c(), note_row(1, 4, basic, 1'700'000'100));
  s.set_usn(4);
  s.start(4, false);
  CHECK(s.apply_chunk(with_notes({note_entry(1, 4, basic, 1'700'000'000, "only one")})));
  CHECK(stored_note(s, 1).mod == 1'700'000'100);
  auto r = s.apply_chunk(with_notes({note_entry(1, 4, basic, 1'700'000'200, "only one")}));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == protocol::error_code::bad_request);
}

TEST_CASE("applyChunk recomputes sfld and csum and resets flags and data of notes") {
  server s;
  const auto basic = basic_id(s.c());
  s.start(0, false);
  auto e = note_entry(1, 0, basic, 1'700'000'000, "<b>Front</b>\x1f" "Back\x01");
  e.sfld = "junk";
  e.csum = "12345";
  e.flags = 7;
  e.data = "client data";
  e.tags = "  x   y ";
  ok(s.apply_chunk(with_notes({e})));
  auto n = stored_note(s, 1);
  CHECK(n.sfld == "Front");
  // The first 4 bytes of SHA-1("Front"), big-endian.
  CHECK(n.csum == 3709467016u);
  CHECK(n.flags == 0);
  CHECK(n.data.empty());
  CHECK(n.tags == " x y ");
  // Control characters other than \n and \t are removed from fields.
  CHECK(n.flds == "<b>Front</b>\x1f" "Back");
}

TEST_CASE("applyChunk keeps media file names in the sort field and checksum") {
  server s;
  const auto basic = basic_id(s.c());
  s.start(0, false);
  const std::string first = "<img src=\"a.jpg\"> caption";
  ok(s.apply_chunk(with_notes({note_entry(1, 0, basic, 1'700'000'000, first + "\x1f" "Back")})));
  auto n = stored_note(s, 1);
  CHECK_THAT(n.sfld, Catch::Contains("a.jpg"));
  CHECK(n.sfld == storage::compute_sort_field({first, "Back"}, 0));
  CHECK(n.csum == storage::compute_checksum(first));
}

TEST_CASE("applyChunk applies revlog, cards and notes of one chunk together") {
  server s;
  const auto basic = basic_id(s.c());
  s.set_usn(3);
  s.start(3, true);
  protocol::chunk_entry c;
  c.done = true;
  c.revlog = {revlog_entry(5, 3, 3)};
  c.cards = {card_entry(6, 3, 1'700'000'000, 7)};
  c.notes = {note_entry(7, 3, basic, 1'700'000'000)};
  ok(s.apply_chunk(c));
  auto counts = s.counts();
  CHECK(counts.revlog == 1);
  CHECK(counts.cards == 1);
  CHECK(counts.notes == 1);
  // An empty chunk is fine too.
  CHECK(ok(s.apply_chunk(protocol::chunk_entry{true, {}, {}, {}})) == "null");
}

#ifdef ANKISYNC_FIXTURES_DIR
TEST_CASE("the real collection goes out whole in chunks, notes without sfld and csum") {
  server s("schema18-real-74notes.anki2");
  s.start(0, false);
  auto chunks = s.all_chunks();
  REQUIRE(chunks.size() == 1);
  auto& c = chunks[0];
  CHECK(c.done);
  CHECK(c.notes.size() == 74);
  CHECK(c.cards.size() == 74);
  CHECK(c.revlog.size() == 4);
  for (auto& n : c.notes) {
    CHECK(n.sfld.empty());
    CHECK(n.csum.empty());
    // The field text goes out as stored.
    CHECK(n.flds == stored_note(s, n.id).flds);
  }
  for (auto& card : c.cards)
    CHECK(to_row(card) == stored_card(s, card.id));
}

TEST_CASE("the real collection's notes stored back by applyChunk keep their sfld and csum") {
  server s("schema18-real-74notes.anki2");
  s.start(0, false);
  auto sent = s.all_chunks();
  std::map<std::int64_t, storage::note_row> before;
  for (auto& n : sent[0].notes) before[n.id] = stored_note(s, n.id);
  // A client sending the same notes back, newer by a second.
  protocol::chunk_entry back;
  back.done = true;
  for (auto n : sent[0].notes) {
    n.mod += 1;
    back.notes.push_back(n);
  }
  ok(s.apply_chunk(back));
  for (auto& [id, old] : before) {
    auto now = stored_note(s, id);
    INFO(old.flds);
    CHECK(now.sfld == old.sfld);
    CHECK(now.csum == old.csum);
    CHECK(now.mod == old.mod + 1);
  }
}
#endif
