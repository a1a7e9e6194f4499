#include <catch2/catch.hpp>

#include <string>

#include "protocol/chunk.hpp"

using namespace ankisync::protocol;

namespace {

// The example of protocol-collection.md §5.5.
const std::string doc_chunk =
    R"({"done":false,)"
    R"("revlog":[[1724312000123,1700000000001,57,3,10,4,2500,6120,1]],)"
    R"("cards":[[1700000000001,1700000000000,1,0,1724312000,57,2,2,812,10,2500,5,0,0,0,0,0,"{}"]],)"
    R"("notes":[[1700000000000,"f#Q0x!l2Cp",1600000000000,1724312000,57," tag1 ","front\u001fback","","",0,""]]})";

std::string with_card(const std::string& row) {
  return R"({"chunk":{"cards":[)" + row + "]}}";
}
std::string with_revlog(const std::string& row) {
  return R"({"chunk":{"revlog":[)" + row + "]}}";
}
std::string with_note(const std::string& row) {
  return R"({"chunk":{"notes":[)" + row + "]}}";
}

const std::string good_card = R"([1,2,3,0,100,5,2,2,812,10,2500,5,0,0,0,0,0,""])";

} // namespace

TEST_CASE("the documented chunk decodes field by field", "[chunk]") {
  auto c = decode_chunk_entry(doc_chunk);
  REQUIRE(c);
  CHECK_FALSE(c->done);
  REQUIRE(c->revlog.size() == 1);
  const revlog_entry& r = c->revlog[0];
  CHECK(r.id == 1724312000123);
  CHECK(r.cid == 1700000000001);
  CHECK(r.usn == 57);
  CHECK(r.ease == 3);
  CHECK(r.ivl == 10);
  CHECK(r.last_ivl == 4);
  CHECK(r.factor == 2500);
  CHECK(r.time == 6120);
  CHECK(r.type == 1);

  REQUIRE(c->cards.size() == 1);
  const card_entry& k = c->cards[0];
  CHECK(k.id == 1700000000001);
  CHECK(k.nid == 1700000000000);
  CHECK(k.did == 1);
  CHECK(k.ord == 0);
  CHECK(k.mod == 1724312000);
  CHECK(k.usn == 57);
  CHECK(k.type == 2);
  CHECK(k.queue == 2);
  CHECK(k.due == 812);
  CHECK(k.ivl == 10);
  CHECK(k.factor == 2500);
  CHECK(k.reps == 5);
  CHECK(k.lapses == 0);
  CHECK(k.left == 0);
  CHECK(k.odue == 0);
  CHECK(k.odid == 0);
  CHECK(k.flags == 0);
  CHECK(k.data == "{}");

  REQUIRE(c->notes.size() == 1);
  const note_entry& n = c->notes[0];
  CHECK(n.id == 1700000000000);
  CHECK(n.guid == "f#Q0x!l2Cp");
  CHECK(n.mid == 1600000000000);
  CHECK(n.mod == 1724312000);
  CHECK(n.usn == 57);
  CHECK(n.tags == " tag1 ");
  CHECK(n.flds == "front\x1f" "back");
  CHECK(n.sfld.empty());
  CHECK(n.csum.empty());
  CHECK(n.flags == 0);
  CHECK(n.data.empty());
}

TEST_CASE("the documented chunk encodes back byte for byte", "[chunk]") {
  auto c = decode_chunk_entry(doc_chunk);
  REQUIRE(c);
  CHECK(encode_chunk_entry(*c) == doc_chunk);
}

TEST_CASE("chunk JSON omits empty arrays but always has done", "[chunk]") {
  chunk_entry c;
  CHECK(encode_chunk_entry(c) == R"({"done":false})");
  c.done = true;
  CHECK(encode_chunk_entry(c) == R"({"done":true})");
  card_entry card;
  card.id = 7;
  card.queue = -3;
  card.data = R"({"pos":3})";
  c.cards.push_back(card);
  CHECK(encode_chunk_entry(c) ==
        R"({"done":true,"cards":[[7,0,0,0,0,0,0,-3,0,0,0,0,0,0,0,0,0,"{\"pos\":3}"]]})");
}

TEST_CASE("done and every array are optional on input", "[chunk]") {
  auto c = decode_chunk_entry("{}");
  REQUIRE(c);
  CHECK_FALSE(c->done);
  CHECK(c->revlog.empty());
  CHECK(c->cards.empty());
  CHECK(c->notes.empty());

  auto r = decode_apply_chunk_request(R"({"chunk":{"done":true}})");
  REQUIRE(r);
  CHECK(r->chunk.done);
}

TEST_CASE("applyChunk round trips every column", "[chunk]") {
  apply_chunk_request in;
  in.chunk.done = true;
  in.chunk.revlog.push_back({9223372036854775807, -1, -1, 255, -2147483647 - 1, 2147483647,
                             4294967295u, 0, 5});
  card_entry card{1, 2, 3, 65535, -4, 2147483647, 3, -1, -5, 4294967295u, 65535, 1, 2, 3, -6,
                  4, 255, "{\"cd\":\"x\"}"};
  in.chunk.cards.push_back(card);
  note_entry note{10, "gu\"id", 11, 12, -1, " a b ", "f1\x1f" "f2\n", "s", "c", 4294967295u, "d"};
  in.chunk.notes.push_back(note);

  auto out = decode_apply_chunk_request(encode_apply_chunk_request(in));
  REQUIRE(out);
  CHECK(out->chunk.done);
  REQUIRE(out->chunk.revlog.size() == 1);
  const revlog_entry& r = out->chunk.revlog[0];
  CHECK(r.id == 9223372036854775807);
  CHECK(r.cid == -1);
  CHECK(r.usn == -1);
  CHECK(r.ease == 255);
  CHECK(r.ivl == -2147483647 - 1);
  CHECK(r.last_ivl == 2147483647);
  CHECK(r.factor == 4294967295u);
  CHECK(r.time == 0);
  CHECK(r.type == 5);
  REQUIRE(out->chunk.cards.size() == 1);
  const card_entry& k = out->chunk.cards[0];
  CHECK(k.id == 1);
  CHECK(k.nid == 2);
  CHECK(k.did == 3);
  CHECK(k.ord == 65535);
  CHECK(k.mod == -4);
  CHECK(k.usn == 2147483647);
  CHECK(k.type == 3);
  CHECK(k.queue == -1);
  CHECK(k.due == -5);
  CHECK(k.ivl == 4294967295u);
  CHECK(k.factor == 65535);
  CHECK(k.reps == 1);
  CHECK(k.lapses == 2);
  CHECK(k.left == 3);
  CHECK(k.odue == -6);
  CHECK(k.odid == 4);
  CHECK(k.flags == 255);
  CHECK(k.data == card.data);
  REQUIRE(out->chunk.notes.size() == 1);
  const note_entry& n = out->chunk.notes[0];
  CHECK(n.id == 10);
  CHECK(n.guid == note.guid);
  CHECK(n.mid == 11);
  CHECK(n.mod == 12);
  CHECK(n.usn == -1);
  CHECK(n.tags == note.tags);
  CHECK(n.flds == note.flds);
  CHECK(n.sfld == "s");
  CHECK(n.csum == "c");
  CHECK(n.flags == 4294967295u);
  CHECK(n.data == "d");
}

TEST_CASE("revlog numbers are read leniently where upstream is lenient", "[chunk]") {
  auto r = decode_apply_chunk_request(
      with_revlog(R"([1,2,3,4,10.7,-3.9,2500.5,-1.5,2])"));
  REQUIRE(r);
  const revlog_entry& e = r->chunk.revlog.at(0);
  CHECK(e.ivl == 10);       // truncated
  CHECK(e.last_ivl == -3);  // toward zero
  CHECK(e.factor == 2500);
  CHECK(e.time == 0);       // u32: negatives become 0
  CHECK(e.type == 2);
}

TEST_CASE("lenient integers wrap and saturate as Rust's `as` does", "[chunk]") {
  // ivl 2^32 + 5 wraps to 5 in i32; factor 1e30 saturates to i64::MAX and
  // then wraps to u32::MAX; a huge time saturates the same way.
  auto r = decode_apply_chunk_request(
      with_revlog(R"([1,2,3,4,4294967301,-4294967297,1e30,18446744073709551615,1])"));
  REQUIRE(r);
  const revlog_entry& e = r->chunk.revlog.at(0);
  CHECK(e.ivl == 5);
  CHECK(e.last_ivl == -1);
  CHECK(e.factor == 4294967295u);
  CHECK(e.time == 4294967295u);
}

TEST_CASE("an invalid revlog type becomes 0, a missing one too", "[chunk]") {
  const std::string type = GENERATE(std::string("6"), std::string("-1"), std::string("1.0"),
                                    std::string("\"1\""), std::string("null"), std::string("true"),
                                    std::string("[1]"), std::string("300"));
  INFO(type);
  auto r = decode_apply_chunk_request(with_revlog("[1,2,3,4,5,6,7,8," + type + "]"));
  REQUIRE(r);
  CHECK(r->chunk.revlog.at(0).type == 0);

  auto short_row = decode_apply_chunk_request(with_revlog("[1,2,3,4,5,6,7,8]"));
  REQUIRE(short_row);
  CHECK(short_row->chunk.revlog.at(0).type == 0);
}

TEST_CASE("card numbers are read leniently where upstream is lenient", "[chunk]") {
  auto r = decode_apply_chunk_request(
      with_card(R"([1,2,3,0,1724312000.9,5,2,2,-1.5,-3,2500,5,0,0,7.99,0,0,""])"));
  REQUIRE(r);
  const card_entry& c = r->chunk.cards.at(0);
  CHECK(c.mod == 1724312000);
  CHECK(c.due == -1);
  CHECK(c.ivl == 0);
  CHECK(c.odue == 7);
}

TEST_CASE("every card type and queue upstream knows is accepted", "[chunk]") {
  const int type = GENERATE(0, 1, 2, 3);
  const int queue = GENERATE(-3, -2, -1, 0, 1, 2, 3, 4);
  auto r = decode_apply_chunk_request(with_card("[1,2,3,0,100,5," + std::to_string(type) + "," +
                                                std::to_string(queue) +
                                                R"(,812,10,2500,5,0,0,0,0,0,""])"));
  REQUIRE(r);
  CHECK(r->chunk.cards.at(0).type == type);
  CHECK(r->chunk.cards.at(0).queue == queue);
}

TEST_CASE("bad chunk rows are refused with row, column and reason", "[chunk]") {
  struct c {
    std::string body;
    std::string message;
  };
  const c k = GENERATE(values<c>({
      // card type / queue outside the allowed sets
      {with_card(R"([1,2,3,0,100,5,4,2,812,10,2500,5,0,0,0,0,0,""])"),
       "bad applyChunk body: chunk.cards[0][6] (type) is 4, out of range for card type (0..3)"},
      {with_card(R"([1,2,3,0,100,5,2,5,812,10,2500,5,0,0,0,0,0,""])"),
       "bad applyChunk body: chunk.cards[0][7] (queue) is 5, out of range for card queue (-3..4)"},
      {with_card(R"([1,2,3,0,100,5,2,-4,812,10,2500,5,0,0,0,0,0,""])"),
       "bad applyChunk body: chunk.cards[0][7] (queue) is -4, out of range for card queue (-3..4)"},
      {with_card(R"([1,2,3,0,100,5,2.0,2,812,10,2500,5,0,0,0,0,0,""])"),
       "bad applyChunk body: chunk.cards[0][6] (type) is a non-integer number, expected card type "
       "(0..3) integer"},
      // strict card columns
      {with_card(R"([1,2,3,65536,100,5,2,2,812,10,2500,5,0,0,0,0,0,""])"),
       "bad applyChunk body: chunk.cards[0][3] (ord) is 65536, out of range for u16"},
      {with_card(R"([1,2,3,0,100,5,2,2,812,10,2500,-1,0,0,0,0,0,""])"),
       "bad applyChunk body: chunk.cards[0][11] (reps) is -1, out of range for u32"},
      {with_card(R"([1,2,3,0,100,5,2,2,812,10,2500.0,5,0,0,0,0,0,""])"),
       "bad applyChunk body: chunk.cards[0][10] (factor) is a non-integer number, expected u16 "
       "integer"},
      {with_card(R"([1,2,3,0,100,5,2,2,812,10,2500,5,0,0,0,0,256,""])"),
       "bad applyChunk body: chunk.cards[0][16] (flags) is 256, out of range for u8"},
      {with_card(R"([1,2,3,0,100,5,2,2,812,10,2500,5,0,0,0,0,0,{}])"),
       "bad applyChunk body: chunk.cards[0][17] (data) is an object, expected a string"},
      {with_card(R"([1,2,3,0,"100",5,2,2,812,10,2500,5,0,0,0,0,0,""])"),
       "bad applyChunk body: chunk.cards[0][4] (mod) is a string, expected a number"},
      {with_card(R"([1.5,2,3,0,100,5,2,2,812,10,2500,5,0,0,0,0,0,""])"),
       "bad applyChunk body: chunk.cards[0][0] (id) is a non-integer number, expected i64 integer"},
      // arity
      {with_card(R"([1,2,3,0,100,5,2,2,812,10,2500,5,0,0,0,0,0])"),
       "bad applyChunk body: chunk.cards[0] has 17 elements, expected 18"},
      {with_card(R"([1,2,3,0,100,5,2,2,812,10,2500,5,0,0,0,0,0,"",0])"),
       "bad applyChunk body: chunk.cards[0] has 19 elements, expected 18"},
      {with_revlog("[1,2,3,4,5,6,7]"),
       "bad applyChunk body: chunk.revlog[0] has 7 elements, expected 9"},
      {with_revlog("[1,2,3,4,5,6,7,8,0,0]"),
       "bad applyChunk body: chunk.revlog[0] has 10 elements, expected 9"},
      {with_note(R"([1,"g",2,3,4,"","","","",0])"),
       "bad applyChunk body: chunk.notes[0] has 10 elements, expected 11"},
      {R"({"chunk":{"cards":[)" + good_card + R"(,{"id":1}]}})",
       "bad applyChunk body: chunk.cards[1] is an object, expected an array"},
      // strict revlog columns
      {with_revlog("[1,2,3,256,5,6,7,8,0]"),
       "bad applyChunk body: chunk.revlog[0][3] (ease) is 256, out of range for u8"},
      {with_revlog("[1,2,2147483648,4,5,6,7,8,0]"),
       "bad applyChunk body: chunk.revlog[0][2] (usn) is 2147483648, out of range for i32"},
      {with_revlog(R"([1,2,3,4,"5",6,7,8,0])"),
       "bad applyChunk body: chunk.revlog[0][4] (ivl) is a string, expected a number"},
      // strict note columns
      {with_note(R"([1,"g",2,3.5,4,"","","","",0,""])"),
       "bad applyChunk body: chunk.notes[0][3] (mod) is a non-integer number, expected i64 integer"},
      {with_note(R"([1,"g",2,3,4,"","","","",-1,""])"),
       "bad applyChunk body: chunk.notes[0][9] (flags) is -1, out of range for u32"},
      {with_note(R"([1,"g",2,3,4,"","",0,"",0,""])"),
       "bad applyChunk body: chunk.notes[0][7] (sfld) is an integer, expected a string"},
      {with_note(R"([1,2,2,3,4,"","","","",0,""])"),
       "bad applyChunk body: chunk.notes[0][1] (guid) is an integer, expected a string"},
      // the chunk object
      {R"({"chunk":{"done":1}})", "bad applyChunk body: chunk.done is an integer, expected a boolean"},
      {R"({"chunk":{"revlog":null}})", "bad applyChunk body: chunk.revlog is null, expected an array"},
      {R"({"chunk":{"notes":{}}})", "bad applyChunk body: chunk.notes is an object, expected an array"},
      {R"({"chunk":[]})", "bad applyChunk body: chunk is an array, expected an object"},
      {R"({"done":true})", "bad applyChunk body: chunk is missing"},
      {"", "bad applyChunk body: invalid JSON"},
  }));
  auto r = decode_apply_chunk_request(k.body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::StartsWith(k.message));
}

TEST_CASE("the chunk reply decoder names itself", "[chunk]") {
  auto r = decode_chunk_entry(R"({"done":"yes"})");
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "bad chunk reply: done is a string, expected a boolean");
}

TEST_CASE("note output carries exactly what the caller gives", "[chunk]") {
  // Upstream blanks sfld/csum/flags/data on output; the phase code does
  // that, the encoder does not second-guess it.
  chunk_entry c;
  c.done = true;
  c.notes.push_back({1, "g", 2, 3, 4, "", "a\x1f" "b", "", "", 0, ""});
  CHECK(encode_chunk_entry(c) == R"({"done":true,"notes":[[1,"g",2,3,4,"","a\u001fb","","",0,""]]})");
}
