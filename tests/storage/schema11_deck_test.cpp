#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "storage/schema11_deck.hpp"

using namespace ankisync::storage;
namespace json = boost::json;

namespace {

const char* normal_json = R"({
  "id": 1700000000001, "mod": 1700000200, "name": "Lang::Spanish", "usn": 7,
  "lrnToday": [100, 3], "revToday": [100, 20], "newToday": [100, 5], "timeToday": [100, 60000],
  "collapsed": false, "browserCollapsed": true, "desc": "About", "dyn": 0,
  "conf": 1700000000002, "extendNew": 0, "extendRev": 0,
  "reviewLimit": 100, "newLimit": null,
  "reviewLimitToday": {"limit": 10, "today": 100}, "newLimitToday": null,
  "desiredRetention": 85,
  "mid": 1700000000000, "x-deck": {"a": [1, 2.5]}
})";

const char* filtered_json = R"({
  "id": 1700000000003, "mod": 1700000300, "name": "Filtered Deck 1", "usn": 8,
  "lrnToday": [100, 0], "revToday": [100, 0], "newToday": [100, 0], "timeToday": [100, 0],
  "collapsed": false, "browserCollapsed": false, "desc": "", "dyn": 1,
  "resched": true, "terms": [["deck:current", 100, 1], ["is:due", "20", 6]],
  "separate": true, "delays": null, "previewDelay": 10,
  "previewAgainSecs": 60, "previewHardSecs": 600, "previewGoodSecs": 0,
  "x-filtered": "kept"
})";

json::object parse_obj(const char* text) { return json::parse(text).as_object(); }

} // namespace

TEST_CASE("a normal schema-11 deck becomes a row", "[schema11_deck]") {
  auto d = deck_from_schema11(json::parse(normal_json));
  REQUIRE(d);
  CHECK(d->id == 1700000000001);
  CHECK(d->name == "Lang\x1fSpanish");
  CHECK(d->mtime_secs == 1700000200);
  CHECK(d->usn == 7);
  REQUIRE(d->kind.has_normal());
  const auto& n = d->kind.normal();
  CHECK(n.config_id() == 1700000000002);
  CHECK(n.description() == "About");
  CHECK(n.review_limit() == 100);
  CHECK_FALSE(n.has_new_limit());
  CHECK(n.review_limit_today().limit() == 10);
  CHECK_FALSE(n.has_new_limit_today());
  CHECK(n.desired_retention() == Approx(0.85f));
  CHECK(d->common.last_day_studied() == 100);
  CHECK(d->common.learning_studied() == 3);
  CHECK(d->common.review_studied() == 20);
  CHECK(d->common.new_studied() == 5);
  CHECK(d->common.milliseconds_studied() == 60000);
  CHECK(d->common.browser_collapsed());
  CHECK(json::parse(d->common.other()) ==
        json::parse(R"({"mid":1700000000000,"x-deck":{"a":[1,2.5]}})"));
}

TEST_CASE("a normal deck survives a round trip with its unknown keys", "[schema11_deck]") {
  auto d = deck_from_schema11(json::parse(normal_json));
  REQUIRE(d);
  json::object out = deck_to_schema11(*d);
  CHECK(out == parse_obj(normal_json));
  CHECK(out["dyn"] == 0);
  CHECK_FALSE(out.contains("md"));
}

TEST_CASE("a filtered deck survives a round trip", "[schema11_deck]") {
  auto d = deck_from_schema11(json::parse(filtered_json));
  REQUIRE(d);
  REQUIRE(d->is_filtered());
  const auto& f = d->kind.filtered();
  CHECK(f.reschedule());
  REQUIRE(f.search_terms_size() == 2);
  CHECK(f.search_terms(1).limit() == 20); // numeric string accepted
  CHECK(f.search_terms(1).order() == pb::DeckFiltered::SearchTerm::DUE);
  CHECK(f.delays_size() == 0);
  json::object expected = parse_obj(filtered_json);
  expected["terms"].as_array()[1].as_array()[1] = 20;
  CHECK(deck_to_schema11(*d) == expected);
}

TEST_CASE("deck parsing is lenient where upstream is", "[schema11_deck]") {
  json::object o = parse_obj(normal_json);
  o["id"] = "1700000000001";
  o["mod"] = "1700000200";
  o["conf"] = "1";
  o["dyn"] = false;             // a bool is accepted and written as 0
  o["return"] = true;           // obsolete key, dropped
  o["extendNew"] = -5;          // negative -> 0
  o["extendRev"] = "x";         // lenient -> 0
  o["reviewLimit"] = -1;        // does not fit u32 -> absent
  o["newLimitToday"] = json::object{{"limit", 1}}; // incomplete -> absent
  o["desiredRetention"] = "high";
  o["lrnToday"] = json::array{99, 4}; // an earlier day than the others: stale
  o.erase("mod");
  o.erase("browserCollapsed");
  o.erase("desc");
  auto d = deck_from_schema11(o);
  REQUIRE(d);
  CHECK(d->id == 1700000000001);
  CHECK(d->mtime_secs == 0);
  CHECK(d->kind.normal().config_id() == 1);
  CHECK(d->kind.normal().extend_new() == 0);
  CHECK(d->kind.normal().extend_review() == 0);
  CHECK_FALSE(d->kind.normal().has_review_limit());
  CHECK_FALSE(d->kind.normal().has_new_limit_today());
  CHECK_FALSE(d->kind.normal().has_desired_retention());
  CHECK(d->common.learning_studied() == 0);
  CHECK(d->common.other().find("return") == std::string::npos); // not kept
  auto out = deck_to_schema11(*d);
  CHECK(out["dyn"] == 0);
  CHECK_FALSE(out.contains("return"));
  CHECK(out["lrnToday"] == json::array{100, 0});

  json::object f = parse_obj(filtered_json);
  f["dyn"] = true;
  f["resched"] = "0";
  f["delays"] = json::array{1.5, "x"}; // lenient -> empty
  auto fd = deck_from_schema11(f);
  REQUIRE(fd);
  CHECK(fd->is_filtered());
  CHECK_FALSE(fd->kind.filtered().reschedule());
  CHECK(fd->kind.filtered().delays_size() == 0);
}

TEST_CASE("a deck missing a required key is invalid", "[schema11_deck]") {
  for (const char* key : {"id", "name", "usn", "collapsed", "dyn", "lrnToday", "revToday",
                          "newToday", "timeToday", "conf"}) {
    json::object o = parse_obj(normal_json);
    o.erase(key);
    auto d = deck_from_schema11(o);
    INFO(key);
    REQUIRE_FALSE(d);
    CHECK(d.error().code == storage_errc::invalid);
  }
  for (const char* key : {"resched", "terms"}) {
    json::object o = parse_obj(filtered_json);
    o.erase(key);
    INFO(key);
    CHECK_FALSE(deck_from_schema11(o));
  }
}

TEST_CASE("a deck with wrong-typed strict keys is invalid", "[schema11_deck]") {
  auto with = [](json::value v) {
    json::object o = parse_obj(normal_json);
    o["dyn"] = std::move(v);
    return deck_from_schema11(o);
  };
  CHECK_FALSE(with("1"));     // dyn must be a bool or a number
  CHECK_FALSE(with(1.0));     // and a number must fit a u8
  CHECK_FALSE(with(-1));
  json::object o = parse_obj(normal_json);
  o["collapsed"] = 0;         // collapsed is a strict bool
  CHECK_FALSE(deck_from_schema11(o));
  o = parse_obj(normal_json);
  o["lrnToday"] = 5;          // must be an array
  CHECK_FALSE(deck_from_schema11(o));
}

TEST_CASE("deck counters of an earlier day are reset", "[schema11_deck]") {
  json::object o = parse_obj(normal_json);
  o["timeToday"] = json::array{100, 1000};
  o["newToday"] = json::array{101, 2}; // custom study bumped new only
  o["revToday"] = json::array{99, 9};
  o["lrnToday"] = json::array{101, 4};
  auto d = deck_from_schema11(o);
  REQUIRE(d);
  CHECK(d->common.last_day_studied() == 101);
  CHECK(d->common.new_studied() == 2);
  CHECK(d->common.review_studied() == 0);
  CHECK(d->common.learning_studied() == 4);
  CHECK(d->common.milliseconds_studied() == 1000); // unconditional
}

TEST_CASE("the default deck is written as upstream writes it", "[schema11_deck]") {
  deck_row d;
  d.id = 1;
  d.name = "Default";
  d.common.set_study_collapsed(true);
  d.common.set_browser_collapsed(true);
  d.kind.mutable_normal()->set_config_id(1);
  auto expected = json::parse(R"({"id":1,"mod":0,"name":"Default","usn":0,
    "lrnToday":[0,0],"revToday":[0,0],"newToday":[0,0],"timeToday":[0,0],
    "collapsed":true,"browserCollapsed":true,"desc":"","dyn":0,
    "conf":1,"extendNew":0,"extendRev":0,"reviewLimit":null,"newLimit":null,
    "reviewLimitToday":null,"newLimitToday":null,"desiredRetention":null})");
  CHECK(json::value(deck_to_schema11(d)) == expected);
}

TEST_CASE("deck names in JSON are converted to and from native form", "[schema11_deck]") {
  json::object o = parse_obj(normal_json);
  o["name"] = " Lang :: Spanish ::Verbs";
  auto d = deck_from_schema11(o);
  REQUIRE(d);
  CHECK(d->name == "Lang\x1fSpanish\x1fVerbs");
  CHECK(deck_to_schema11(*d)["name"] == "Lang::Spanish::Verbs");
}

TEST_CASE("decks convert from and to JSON text", "[schema11_deck]") {
  auto d = deck_from_schema11_text(normal_json);
  REQUIRE(d);
  auto again = deck_from_schema11_text(deck_to_schema11_text(*d));
  REQUIRE(again);
  CHECK(deck_to_schema11(*again) == deck_to_schema11(*d));
  CHECK_FALSE(deck_from_schema11_text("[]"));
  CHECK_FALSE(deck_from_schema11_text("nope"));
}
