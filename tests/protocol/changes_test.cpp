#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "protocol/changes.hpp"

using namespace ankisync::protocol;
using strings = std::vector<std::string>;
using conf_list = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("applyChanges keeps each object as compact JSON, key order and unknown keys intact",
          "[changes]") {
  auto r = decode_apply_changes_request(R"({"changes":{
      "models":[{"id":1, "name":"Basic", "zz":{"b":1,"a":[true,null]}, "flds":[]}],
      "decks":[[{"id":1,"name":"Default","dyn":0}],[{"id":1,"new":{"ints":[1,4,0]},"ease4":1.3,"x":2500.0}]],
      "tags":["tag1","parent::child"]}})");
  REQUIRE(r);
  CHECK(r->changes.models ==
        strings{R"({"id":1,"name":"Basic","zz":{"b":1,"a":[true,null]},"flds":[]})"});
  CHECK(r->changes.decks == strings{R"({"id":1,"name":"Default","dyn":0})"});
  // A float stays a float (2500.0, not 2500) so storage sees the same kinds.
  CHECK(r->changes.deck_configs == strings{R"({"id":1,"new":{"ints":[1,4,0]},"ease4":1.3,"x":2500.0})"});
  CHECK(r->changes.tags == strings{"tag1", "parent::child"});
  CHECK_FALSE(r->changes.conf);
  CHECK_FALSE(r->changes.crt);
}

TEST_CASE("applyChanges also takes decks as an object {decks, config}", "[changes]") {
  auto r = decode_apply_changes_request(
      R"({"changes":{"models":[],"decks":{"decks":[{"id":2}],"config":[{"id":3}]},"tags":[]}})");
  REQUIRE(r);
  CHECK(r->changes.decks == strings{R"({"id":2})"});
  CHECK(r->changes.deck_configs == strings{R"({"id":3})"});
}

TEST_CASE("applyChanges reads conf in wire order, and crt", "[changes]") {
  auto r = decode_apply_changes_request(R"({"changes":{"models":[],"decks":[[],[]],"tags":[],
      "conf":{"curDeck":1,"activeDecks":[1],"nested":{"k":"v\n"},"nothing":null,"aFloat":0.5},
      "crt":1600000000}})");
  REQUIRE(r);
  REQUIRE(r->changes.conf);
  CHECK(*r->changes.conf == conf_list{{"curDeck", "1"},
                                      {"activeDecks", "[1]"},
                                      {"nested", R"({"k":"v\n"})"},
                                      {"nothing", "null"},
                                      {"aFloat", "0.5"}});
  REQUIRE(r->changes.crt);
  CHECK(*r->changes.crt == 1600000000);
}

TEST_CASE("conf and crt given as null are absent", "[changes]") {
  auto r = decode_apply_changes_request(
      R"({"changes":{"models":[],"decks":[[],[]],"tags":[],"conf":null,"crt":null}})");
  REQUIRE(r);
  CHECK_FALSE(r->changes.conf);
  CHECK_FALSE(r->changes.crt);
}

TEST_CASE("bad applyChanges bodies are refused with the position", "[changes]") {
  struct c {
    std::string body;
    std::string message;
  };
  const c k = GENERATE(values<c>({
      {R"({})", "bad applyChanges body: changes is missing"},
      {R"({"changes":{"decks":[[],[]],"tags":[]}})", "bad applyChanges body: changes.models is missing"},
      {R"({"changes":{"models":[],"tags":[]}})", "bad applyChanges body: changes.decks is missing"},
      {R"({"changes":{"models":[],"decks":[[],[]]}})", "bad applyChanges body: changes.tags is missing"},
      {R"({"changes":{"models":[{}, 5],"decks":[[],[]],"tags":[]}})",
       "bad applyChanges body: changes.models[1] is an integer, expected an object"},
      {R"({"changes":{"models":[],"decks":[[]],"tags":[]}})",
       "bad applyChanges body: changes.decks has 1 elements, expected 2"},
      {R"({"changes":{"models":[],"decks":[[],[],[]],"tags":[]}})",
       "bad applyChanges body: changes.decks has 3 elements, expected 2"},
      {R"({"changes":{"models":[],"decks":[[],[{"id":1},"x"]],"tags":[]}})",
       "bad applyChanges body: changes.decks[1][1] is a string, expected an object"},
      {R"({"changes":{"models":[],"decks":[[1],[]],"tags":[]}})",
       "bad applyChanges body: changes.decks[0][0] is an integer, expected an object"},
      {R"({"changes":{"models":[],"decks":{"decks":[]},"tags":[]}})",
       "bad applyChanges body: changes.decks.config is missing"},
      {R"({"changes":{"models":[],"decks":[[],[]],"tags":["a",1]}})",
       "bad applyChanges body: changes.tags[1] is an integer, expected a string"},
      {R"({"changes":{"models":[],"decks":[[],[]],"tags":[],"conf":[]}})",
       "bad applyChanges body: changes.conf is an array, expected an object"},
      {R"({"changes":{"models":[],"decks":[[],[]],"tags":[],"crt":1.5}})",
       "bad applyChanges body: changes.crt is a non-integer number, expected i64 integer"},
      {R"({"changes":{"models":[],"decks":[[],[]],"tags":[],"conf":{"big":1e400}}})",
       "bad applyChanges body: changes.conf.big holds a number out of range"},
      {R"({"changes":{"models":[{"x":-1e999}],"decks":[[],[]],"tags":[]}})",
       "bad applyChanges body: changes.models[0] holds a number out of range"},
  }));
  auto r = decode_apply_changes_request(k.body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK(r.error().message == k.message);
}

TEST_CASE("changes are encoded in upstream's shape, conf and crt only when set", "[changes]") {
  changes_entry c;
  CHECK(encode_changes_entry(c) == R"({"models":[],"decks":[[],[]],"tags":[]})");

  c.models = {R"({"id":1,"name":"Basic"})"};
  c.decks = {R"({"id":1})", R"({"id":2})"};
  c.deck_configs = {R"({"id":1,"ease4":1.3})"};
  c.tags = {"a", "quote\"and\\slash\x1f"};
  CHECK(encode_changes_entry(c) ==
        R"({"models":[{"id":1,"name":"Basic"}],"decks":[[{"id":1},{"id":2}],[{"id":1,"ease4":1.3}]],)"
        R"("tags":["a","quote\"and\\slash\u001f"]})");

  c.conf = conf_list{};
  CHECK(encode_changes_entry(c).ends_with(R"(],"conf":{}})"));
  c.conf = conf_list{{"curDeck", "1"}, {"sortType", R"("noteFld")"}};
  c.crt = 1600000000;
  CHECK(encode_changes_entry(c).ends_with(
      R"(,"conf":{"curDeck":1,"sortType":"noteFld"},"crt":1600000000})"));
}

TEST_CASE("changes round trip through the request", "[changes]") {
  apply_changes_request in;
  in.changes.models = {R"({"id":1600000000000,"flds":[{"name":"Front","ord":0}],"css":".card {}"})"};
  in.changes.decks = {R"({"id":1,"name":"Default","conf":1,"dyn":0})"};
  in.changes.deck_configs = {R"({"id":1,"name":"Default","new":{"delays":[1.0,10.0]}})"};
  in.changes.tags = {"t\u00e9g"};
  in.changes.conf = conf_list{{"z", "true"}, {"a", "[1,2.5]"}};
  in.changes.crt = -1;
  const std::string text = encode_apply_changes_request(in);
  auto out = decode_apply_changes_request(text);
  REQUIRE(out);
  CHECK(out->changes.models == in.changes.models);
  CHECK(out->changes.decks == in.changes.decks);
  CHECK(out->changes.deck_configs == in.changes.deck_configs);
  CHECK(out->changes.tags == in.changes.tags);
  CHECK(out->changes.conf == in.changes.conf);
  CHECK(out->changes.crt == in.changes.crt);
  // The reply has the same shape without the wrapper.
  auto reply = decode_changes_entry(encode_changes_entry(in.changes));
  REQUIRE(reply);
  CHECK(reply->conf == in.changes.conf);
}
