#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/graves.hpp"

using namespace ankisync::protocol;
using ids = std::vector<std::int64_t>;

// ---- start ----

TEST_CASE("start reads minUsn and lnewer, graves null means none", "[graves]") {
  auto r = decode_start_request(R"({"minUsn":57,"lnewer":true,"graves":null})");
  REQUIRE(r);
  CHECK(r->min_usn == 57);
  CHECK(r->lnewer);
  CHECK_FALSE(r->graves);
}

TEST_CASE("start without a graves key is accepted (A18)", "[graves]") {
  auto r = decode_start_request(R"({"minUsn":-1,"lnewer":false})");
  REQUIRE(r);
  CHECK(r->min_usn == -1);
  CHECK_FALSE(r->lnewer);
  CHECK_FALSE(r->graves);
}

TEST_CASE("start carries legacy numeric graves", "[graves]") {
  auto r = decode_start_request(
      R"({"minUsn":0,"lnewer":false,"graves":{"cards":[1,2],"decks":[],"notes":[1700000000000]}})");
  REQUIRE(r);
  REQUIRE(r->graves);
  CHECK(r->graves->cards == ids{1, 2});
  CHECK(r->graves->decks.empty());
  CHECK(r->graves->notes == ids{1700000000000});
}

TEST_CASE("start accepts graves as decimal strings (A17, old AnkiMobile)", "[graves]") {
  auto r = decode_start_request(
      R"({"minUsn":0,"lnewer":false,"graves":{"cards":["1","2"],"decks":["3"],"notes":["-4","+5","9223372036854775807"]}})");
  REQUIRE(r);
  REQUIRE(r->graves);
  CHECK(r->graves->cards == ids{1, 2});
  CHECK(r->graves->decks == ids{3});
  CHECK(r->graves->notes == ids{-4, 5, 9223372036854775807});
}

TEST_CASE("bad start bodies are refused with the position", "[graves]") {
  struct c {
    std::string body;
    std::string message;
  };
  const c k = GENERATE(values<c>({
      {R"({"lnewer":true})", "bad start body: minUsn is missing"},
      {R"({"minUsn":0})", "bad start body: lnewer is missing"},
      {R"({"minUsn":0,"lnewer":1})", "bad start body: lnewer is an integer, expected a boolean"},
      {R"({"minUsn":2147483648,"lnewer":true})",
       "bad start body: minUsn is 2147483648, out of range for i32"},
      {R"({"minUsn":"0","lnewer":true})", "bad start body: minUsn is a string, expected i32 integer"},
      // A mixed array.
      {R"({"minUsn":0,"lnewer":true,"graves":{"cards":[1,"2"],"decks":[],"notes":[]}})",
       "bad start body: graves.cards[1] is a string, but earlier ids are numbers (ids must be all "
       "numbers or all strings)"},
      // Mixed across arrays: upstream's two forms are all-numbers or all-strings.
      {R"({"minUsn":0,"lnewer":true,"graves":{"cards":["1"],"decks":[],"notes":[2]}})",
       "bad start body: graves.notes[0] is not a string, but earlier ids are strings (ids must be "
       "all numbers or all strings)"},
      {R"({"minUsn":0,"lnewer":true,"graves":{"cards":["1x"],"decks":[],"notes":[]}})",
       "bad start body: graves.cards[0] is \"1x\", not a decimal i64"},
      {R"({"minUsn":0,"lnewer":true,"graves":{"cards":[" 1"],"decks":[],"notes":[]}})",
       "bad start body: graves.cards[0] is \" 1\", not a decimal i64"},
      {R"({"minUsn":0,"lnewer":true,"graves":{"cards":["9223372036854775808"],"decks":[],"notes":[]}})",
       "bad start body: graves.cards[0] is \"9223372036854775808\", not a decimal i64"},
      {R"({"minUsn":0,"lnewer":true,"graves":{"cards":[1.5],"decks":[],"notes":[]}})",
       "bad start body: graves.cards[0] is a non-integer number, expected i64 integer"},
      {R"({"minUsn":0,"lnewer":true,"graves":{"cards":[],"notes":[]}})",
       "bad start body: graves.decks is missing"},
      {R"({"minUsn":0,"lnewer":true,"graves":{"cards":null,"decks":[],"notes":[]}})",
       "bad start body: graves.cards is null, expected an array"},
      {R"({"minUsn":0,"lnewer":true,"graves":[]})",
       "bad start body: graves is an array, expected an object"},
      {R"({"minUsn":0,"lnewer":true,"graves":{}})", "bad start body: graves.cards is missing"},
  }));
  auto r = decode_start_request(k.body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK(r.error().message == k.message);
}

TEST_CASE("start requests round trip", "[graves]") {
  start_request in{12, true, std::nullopt};
  CHECK(encode_start_request(in) == R"({"minUsn":12,"lnewer":true,"graves":null})");
  in.graves = graves_entry{{1}, {2}, {3}};
  CHECK(encode_start_request(in) ==
        R"({"minUsn":12,"lnewer":true,"graves":{"cards":[1],"decks":[3],"notes":[2]}})");
  auto out = decode_start_request(encode_start_request(in));
  REQUIRE(out);
  REQUIRE(out->graves);
  CHECK(out->graves->cards == ids{1});
  CHECK(out->graves->notes == ids{2});
  CHECK(out->graves->decks == ids{3});
}

TEST_CASE("the start response lists all three keys in upstream order", "[graves]") {
  CHECK(encode_start_response({}) == R"({"cards":[],"decks":[],"notes":[]})");
  const graves_entry g{{1700000000001, -2}, {1700000000000}, {1}};
  const std::string text = encode_start_response(g);
  CHECK(text == R"({"cards":[1700000000001,-2],"decks":[1],"notes":[1700000000000]})");
  auto back = decode_start_response(text);
  REQUIRE(back);
  CHECK(back->cards == g.cards);
  CHECK(back->notes == g.notes);
  CHECK(back->decks == g.decks);
}

TEST_CASE("the start response refuses string ids", "[graves]") {
  auto r = decode_start_response(R"({"cards":["1"],"decks":[],"notes":[]})");
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "bad start reply: cards[0] is a string, expected i64 integer");
}

// ---- applyGraves ----

TEST_CASE("applyGraves reads its chunk", "[graves]") {
  auto r = decode_apply_graves_request(
      R"({"chunk":{"cards":[3,2,1],"decks":[9],"notes":[]},"extra":true})");
  REQUIRE(r);
  CHECK(r->chunk.cards == ids{3, 2, 1});
  CHECK(r->chunk.decks == ids{9});
  CHECK(r->chunk.notes.empty());
}

TEST_CASE("applyGraves refuses strings, missing keys and a missing chunk", "[graves]") {
  struct c {
    std::string body;
    std::string message;
  };
  const c k = GENERATE(values<c>({
      {R"({"chunk":{"cards":["1"],"decks":[],"notes":[]}})",
       "bad applyGraves body: chunk.cards[0] is a string, expected i64 integer"},
      {R"({"chunk":{"cards":[],"decks":[]}})", "bad applyGraves body: chunk.notes is missing"},
      {R"({"chunk":{"decks":[],"notes":[]}})", "bad applyGraves body: chunk.cards is missing"},
      {R"({"chunk":null})", "bad applyGraves body: chunk is null, expected an object"},
      {R"({})", "bad applyGraves body: chunk is missing"},
      {R"({"chunk":{"cards":[18446744073709551615],"decks":[],"notes":[]}})",
       "bad applyGraves body: chunk.cards[0] is out of range for i64"},
  }));
  auto r = decode_apply_graves_request(k.body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK(r.error().message == k.message);
}

TEST_CASE("applyGraves round trips", "[graves]") {
  const apply_graves_request in{{{5, 6}, {7}, {8}}};
  const std::string text = encode_apply_graves_request(in);
  CHECK(text == R"({"chunk":{"cards":[5,6],"decks":[8],"notes":[7]}})");
  auto out = decode_apply_graves_request(text);
  REQUIRE(out);
  CHECK(out->chunk.cards == in.chunk.cards);
  CHECK(out->chunk.notes == in.chunk.notes);
  CHECK(out->chunk.decks == in.chunk.decks);
}
