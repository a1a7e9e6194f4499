#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "storage/deck_config_defaults.hpp"
#include "storage/json_text.hpp"
#include "storage/schema11_deck_config.hpp"

using namespace ankisync::storage;
namespace json = boost::json;

namespace {

// As a current desktop client writes it, plus keys nobody here knows at
// the top level and inside new/rev/lapse.
const char* conf_json = R"({
  "id": 1, "mod": 1700000400, "name": "Default", "usn": 3,
  "maxTaken": 60, "autoplay": true, "timer": 0, "replayq": true,
  "new": {"bury": false, "delays": [1.0, 10.0], "initialFactor": 2500, "ints": [1, 4, 0],
          "order": 1, "perDay": 20, "separate": true},
  "rev": {"bury": false, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": 200,
          "hardFactor": 1.2, "fuzz": 0.05, "minSpace": 1},
  "lapse": {"delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0,
            "x-lapse": "k"},
  "dyn": false, "newMix": 0, "newPerDayMinimum": 0, "interdayLearningMix": 0,
  "reviewOrder": 0, "newSortOrder": 0, "newGatherPriority": 0, "buryInterdayLearning": false,
  "fsrsWeights": [], "fsrsParams5": [], "fsrsParams6": [0.4, 1.2],
  "desiredRetention": 0.9, "ignoreRevlogsBeforeDate": "",
  "easyDaysPercentages": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
  "stopTimerOnAnswer": false, "secondsToShowQuestion": 0.0, "secondsToShowAnswer": 0.0,
  "questionAction": 0, "answerAction": 0, "waitForAudio": true, "sm2Retention": 0.9,
  "weightSearch": "", "addon": {"setting": [1, 2]}
})";

json::object parse_obj(const char* text) { return json::parse(text).as_object(); }

} // namespace

TEST_CASE("a schema-11 deck config becomes a row", "[schema11_deck_config]") {
  auto c = deck_config_from_schema11(json::parse(conf_json));
  REQUIRE(c);
  CHECK(c->id == 1);
  CHECK(c->name == "Default");
  CHECK(c->mtime_secs == 1700000400);
  CHECK(c->usn == 3);
  const auto& k = c->config;
  CHECK(k.initial_ease() == 2.5f);
  CHECK(k.easy_multiplier() == 1.3f);
  CHECK(k.new_card_insert_order() == pb::DeckConfigConfig::NEW_CARD_INSERT_ORDER_DUE);
  CHECK(k.leech_action() == pb::DeckConfigConfig::LEECH_ACTION_TAG_ONLY);
  CHECK_FALSE(k.skip_question_when_replaying_answer());
  CHECK_FALSE(k.disable_autoplay());
  CHECK(k.fsrs_params_6_size() == 2);
  CHECK(json::parse(k.other()) == json::parse(R"({"addon":{"setting":[1,2]},
      "new":{"separate":true},"rev":{"fuzz":0.05,"minSpace":1},"lapse":{"x-lapse":"k"}})"));
}

TEST_CASE("a deck config survives a round trip with unknown keys at every level",
          "[schema11_deck_config]") {
  auto c = deck_config_from_schema11(json::parse(conf_json));
  REQUIRE(c);
  json::object out = deck_config_to_schema11(*c);
  CHECK(out == parse_obj(conf_json));
  // f32 values are written short, not widened (1.3, not 1.2999999523162842).
  std::string text = to_json_text(out);
  CHECK(text.find("\"ease4\":1.3,") != std::string::npos);
  CHECK(text.find("\"fsrsParams6\":[0.4,1.2]") != std::string::npos);
  CHECK(text.find("\"delays\":[1.0,10.0]") != std::string::npos);
}

TEST_CASE("AnkiDroid's two-element new.ints is accepted", "[schema11_deck_config]") {
  json::object o = parse_obj(conf_json);
  o["new"].as_object()["ints"] = json::array{3, 9};
  auto c = deck_config_from_schema11(o);
  REQUIRE(c);
  CHECK(c->config.graduating_interval_good() == 3);
  CHECK(c->config.graduating_interval_easy() == 9);
  CHECK(deck_config_to_schema11(*c)["new"].as_object()["ints"] == json::array{3, 9, 0});
  // Fewer than two usable values fall back to [1, 4].
  for (json::value bad : {json::value(json::array{4}), json::value(json::array{-5, 4, 3}),
                          json::value("x")}) {
    o["new"].as_object()["ints"] = bad;
    auto d = deck_config_from_schema11(o);
    REQUIRE(d);
    CHECK(d->config.graduating_interval_good() == 1);
    CHECK(d->config.graduating_interval_easy() == 4);
    CHECK(d->config.learn_steps_size() == 2); // the rest of "new" still counts
  }
}

TEST_CASE("unparsable new/rev/lapse silently become their defaults", "[schema11_deck_config]") {
  json::object o = parse_obj(conf_json);
  o["new"] = "garbage";
  o["rev"].as_object().erase("ease4");       // a required key missing
  o["lapse"].as_object()["mult"] = "half";   // a strict key with the wrong type
  o["lapse"].as_object()["delays"] = json::array{5};
  auto c = deck_config_from_schema11(o);
  REQUIRE(c);
  const auto& k = c->config;
  CHECK(k.new_per_day() == 20);
  CHECK(k.learn_steps_size() == 2);
  CHECK(k.initial_ease() == 2.5f);
  CHECK(k.easy_multiplier() == 1.3f);
  CHECK(k.maximum_review_interval() == 36500);
  REQUIRE(k.relearn_steps_size() == 1);
  CHECK(k.relearn_steps(0) == 10.0f); // the whole lapse object was replaced
  CHECK(k.leech_threshold() == 8);
  // Their unknown keys went with them; the top-level ones stay.
  CHECK(json::parse(k.other()) == json::parse(R"({"addon":{"setting":[1,2]}})"));
}

TEST_CASE("a float past float's range is invalid, so no null is ever written back",
          "[schema11_deck_config]") {
  // Found by fuzzing (tests/fuzz/corpus/schema11/regress-mult-overflow):
  // 1e308 became an infinite lapse multiplier, written back as "mult":null,
  // which then read as an invalid lapse object: the client's relearning
  // steps were lost on the second pass instead of the first.
  json::object o = parse_obj(conf_json);
  o["lapse"].as_object()["delays"] = json::array{3.0, 30.0};
  o["lapse"].as_object()["mult"] = 1e308;
  o["rev"].as_object()["ease4"] = -1e39;
  auto c = deck_config_from_schema11(o);
  REQUIRE(c);
  CHECK(c->config.relearn_steps_size() == 1); // the lapse object fell back whole
  CHECK(c->config.easy_multiplier() == 1.3f);
  const std::string text = deck_config_to_schema11_text(*c);
  CHECK(text.find("null") == std::string::npos);
  auto again = deck_config_from_schema11_text(text);
  REQUIRE(again);
  CHECK(deck_config_to_schema11_text(*again) == text);

  // Boost.JSON reads a zero with a large exponent as NaN
  // (tests/fuzz/corpus/schema11/regress-mult-nan).
  std::string nan_text = conf_json;
  const std::string mult = "\"mult\": 0.0";
  REQUIRE(nan_text.find(mult) != std::string::npos);
  nan_text.replace(nan_text.find(mult), mult.size(), "\"mult\": 0e400");
  auto from_nan = deck_config_from_schema11_text(nan_text);
  REQUIRE(from_nan);
  CHECK(deck_config_to_schema11_text(*from_nan).find("null") == std::string::npos);
}

TEST_CASE("lenient sub-object keys take their type's empty value", "[schema11_deck_config]") {
  json::object o = parse_obj(conf_json);
  o["new"].as_object()["delays"] = "x";   // -> []
  o["new"].as_object()["order"] = "x";    // -> due (enum default)
  o["new"].as_object()["perDay"] = -3;    // -> 0
  o["lapse"].as_object()["leechAction"] = 7; // -> tag only
  o["timer"] = "on";                      // -> 0
  o["id"] = "1";
  o["mod"] = "1700000400";
  auto c = deck_config_from_schema11(o);
  REQUIRE(c);
  CHECK(c->config.learn_steps_size() == 0);
  CHECK(c->config.new_card_insert_order() == pb::DeckConfigConfig::NEW_CARD_INSERT_ORDER_DUE);
  CHECK(c->config.new_per_day() == 0);
  CHECK(c->config.leech_action() == pb::DeckConfigConfig::LEECH_ACTION_TAG_ONLY);
  CHECK_FALSE(c->config.show_timer());
  CHECK(c->mtime_secs == 1700000400);
  o["new"].as_object()["order"] = 0;
  o["lapse"].as_object()["leechAction"] = 0;
  auto r = deck_config_from_schema11(o);
  REQUIRE(r);
  CHECK(r->config.new_card_insert_order() == pb::DeckConfigConfig::NEW_CARD_INSERT_ORDER_RANDOM);
  CHECK(r->config.leech_action() == pb::DeckConfigConfig::LEECH_ACTION_SUSPEND);
  auto out = deck_config_to_schema11(*r);
  CHECK(out["new"].as_object()["order"] == 0);
  CHECK(out["lapse"].as_object()["leechAction"] == 0);
}

TEST_CASE("a deck config missing a required key is invalid", "[schema11_deck_config]") {
  for (const char* key : {"id", "mod", "name", "usn", "maxTaken", "autoplay", "timer", "new",
                          "rev", "lapse"}) {
    json::object o = parse_obj(conf_json);
    o.erase(key);
    auto c = deck_config_from_schema11(o);
    INFO(key);
    REQUIRE_FALSE(c);
    CHECK(c.error().code == storage_errc::invalid);
  }
  json::object o = parse_obj(conf_json);
  o["answerAction"] = 5; // outside the enum
  CHECK_FALSE(deck_config_from_schema11(o));
  o = parse_obj(conf_json);
  o["autoplay"] = 1; // strict bool
  CHECK_FALSE(deck_config_from_schema11(o));
}

TEST_CASE("newer keys take upstream's defaults when absent", "[schema11_deck_config]") {
  json::object o = parse_obj(conf_json);
  for (const char* key : {"waitForAudio", "replayq", "dyn", "newMix", "fsrsWeights",
                          "desiredRetention", "sm2Retention", "easyDaysPercentages"})
    o.erase(key);
  auto c = deck_config_from_schema11(o);
  REQUIRE(c);
  CHECK(c->config.wait_for_audio());
  CHECK(c->config.skip_question_when_replaying_answer()); // replayq defaults to false
  CHECK(c->config.desired_retention() == 0.0f);           // repaired on read, not here
  CHECK(c->config.easy_days_percentages_size() == 0);
}

TEST_CASE("the default deck config as schema 11", "[schema11_deck_config]") {
  deck_config_row row;
  row.id = 1;
  row.name = "Default";
  row.config = default_deck_config();
  auto out = deck_config_to_schema11(row);
  CHECK(out["maxTaken"] == 60);
  CHECK(out["autoplay"] == true);
  CHECK(out["timer"] == 0);
  CHECK(out["replayq"] == true);
  CHECK(out["dyn"] == false);
  CHECK(out["new"] == json::parse(R"({"bury":false,"delays":[1.0,10.0],"initialFactor":2500,
      "ints":[1,4,0],"order":1,"perDay":20})"));
  CHECK(out["rev"] == json::parse(R"({"bury":false,"ease4":1.3,"ivlFct":1.0,"maxIvl":36500,
      "perDay":200,"hardFactor":1.2})"));
  CHECK(out["lapse"] == json::parse(R"({"delays":[10.0],"leechAction":1,"leechFails":8,
      "minInt":1,"mult":0.0})"));
  CHECK(out["waitForAudio"] == true);
  CHECK(out["desiredRetention"] == 0.9);
  CHECK(out["easyDaysPercentages"].as_array().size() == 7);
}

TEST_CASE("out-of-range values are repaired to their defaults", "[deck_config_defaults]") {
  pb::DeckConfigConfig c; // all zero, like the fixture's empty blob
  repair_deck_config_values(c);
  CHECK(c.initial_ease() == 2.5f);
  CHECK(c.cap_answer_time_to_secs() == 60);
  CHECK(c.maximum_review_interval() == 36500);
  CHECK(c.desired_retention() == 0.9f);
  CHECK(c.new_per_day() == 0);   // 0 is in range
  CHECK(c.learn_steps_size() == 0);
  c.set_new_per_day(10000);
  c.set_easy_multiplier(std::numeric_limits<float>::quiet_NaN());
  repair_deck_config_values(c);
  CHECK(c.new_per_day() == 20);
  CHECK(c.easy_multiplier() == 1.3f);
}

TEST_CASE("deck configs convert from and to JSON text", "[schema11_deck_config]") {
  auto c = deck_config_from_schema11_text(conf_json);
  REQUIRE(c);
  std::string text = deck_config_to_schema11_text(*c);
  CHECK(text.find("\"initialFactor\":2500") != std::string::npos);
  auto again = deck_config_from_schema11_text(text);
  REQUIRE(again);
  CHECK(deck_config_to_schema11_text(*again) == text);
  CHECK_FALSE(deck_config_from_schema11_text("{"));
}
