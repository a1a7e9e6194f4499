#include <catch2/catch.hpp>

#include "actors/sync/row_convert.hpp"

using namespace ankisync;
using namespace ankisync::actors::sync;

TEST_CASE("a card row becomes a wire card with every column in place and back") {
  storage::card_row r{1700000000001, 1700000000000, 1234, 3,  1724312000, 57, 3, -3, -812,
                      10,            2500,          5,    2,  7,          -5, 99, 4,  R"({"pos":3})"};
  auto e = to_entry(r);
  CHECK(e.id == 1700000000001);
  CHECK(e.nid == 1700000000000);
  CHECK(e.did == 1234);
  CHECK(e.ord == 3);
  CHECK(e.mod == 1724312000);
  CHECK(e.usn == 57);
  CHECK(e.type == 3);
  CHECK(e.queue == -3);
  CHECK(e.due == -812);
  CHECK(e.ivl == 10);
  CHECK(e.factor == 2500);
  CHECK(e.reps == 5);
  CHECK(e.lapses == 2);
  CHECK(e.left == 7);
  CHECK(e.odue == -5);
  CHECK(e.odid == 99);
  CHECK(e.flags == 4);
  CHECK(e.data == R"({"pos":3})");
  CHECK(to_row(e) == r);
}

TEST_CASE("a note goes out with blank sfld, csum, flags and data") {
  storage::note_row r;
  r.id = 1700000000000;
  r.guid = "f#Q0x!l2Cp";
  r.mid = 1600000000000;
  r.mod = 1724312000;
  r.usn = 57;
  r.tags = " tag1 ";
  r.flds = "front\x1f" "back";
  r.sfld = "front";
  r.csum = 123456;
  r.flags = 3;
  r.data = "stuff";
  auto e = to_entry(r);
  CHECK(e.id == r.id);
  CHECK(e.guid == r.guid);
  CHECK(e.mid == r.mid);
  CHECK(e.mod == r.mod);
  CHECK(e.usn == 57);
  CHECK(e.tags == " tag1 ");
  CHECK(e.flds == r.flds);
  CHECK(e.sfld.empty());
  CHECK(e.csum.empty());
  CHECK(e.flags == 0);
  CHECK(e.data.empty());
}

TEST_CASE("an incoming note's sfld, csum, flags and data are not taken over") {
  protocol::note_entry e;
  e.id = 5;
  e.guid = "g";
  e.mid = 6;
  e.mod = 7;
  e.usn = 8;
  e.tags = " a ";
  e.flds = "x\x1fy";
  e.sfld = "bogus";
  e.csum = "42";
  e.flags = 9;
  e.data = "d";
  auto r = to_row(e);
  CHECK(r.id == 5);
  CHECK(r.guid == "g");
  CHECK(r.mid == 6);
  CHECK(r.mod == 7);
  CHECK(r.usn == 8);
  CHECK(r.tags == " a ");
  CHECK(r.flds == "x\x1fy");
  CHECK(r.sfld.empty());
  CHECK(r.csum == 0);
  CHECK(r.flags == 0);
  CHECK(r.data.empty());
}

TEST_CASE("a revlog row becomes a wire entry with every column in place and back") {
  storage::revlog_row r{1724312000123, 1700000000001, 57, 3, -600, 4, 2500, 6120, 5};
  auto e = to_entry(r);
  CHECK(e.id == 1724312000123);
  CHECK(e.cid == 1700000000001);
  CHECK(e.usn == 57);
  CHECK(e.ease == 3);
  CHECK(e.ivl == -600);
  CHECK(e.last_ivl == 4);
  CHECK(e.factor == 2500);
  CHECK(e.time == 6120);
  CHECK(e.type == 5);
  CHECK(to_row(e) == r);
}

TEST_CASE("graves keep their kind when they go on the wire") {
  storage::graves_by_kind g{{1, 2}, {3}, {4, 5, 6}};
  auto e = to_entry(g);
  CHECK(e.cards == std::vector<std::int64_t>{1, 2});
  CHECK(e.notes == std::vector<std::int64_t>{3});
  CHECK(e.decks == std::vector<std::int64_t>{4, 5, 6});
}

TEST_CASE("a storage failure inside a step is a bad request naming the step") {
  auto e = step_failed("applying a chunk",
                       storage::storage_error{storage::storage_errc::invalid, "note 1 has 3 fields"});
  CHECK(e.code == protocol::error_code::bad_request);
  CHECK(e.message == "applying a chunk: note 1 has 3 fields");
}

TEST_CASE("a step that fails on the server's own disk is a server error, not a bad request") {
  auto io = step_failed("finishing",
                        storage::storage_error{storage::storage_errc::io, "COMMIT: disk I/O error"});
  CHECK(io.code == protocol::error_code::server_error);
  CHECK(io.message == "finishing: COMMIT: disk I/O error");
  auto busy = step_failed("applying a chunk",
                          storage::storage_error{storage::storage_errc::busy, "database is locked"});
  CHECK(busy.code == protocol::error_code::server_error);
  auto full = step_failed("finishing",
                          storage::storage_error{storage::storage_errc::disk_full, "no room"});
  CHECK(full.code == protocol::error_code::insufficient_storage);
}
