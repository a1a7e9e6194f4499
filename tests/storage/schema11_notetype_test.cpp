#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <utility>
#include <vector>

#include "storage/json_text.hpp"
#include "storage/schema11_notetype.hpp"

using namespace ankisync::storage;
namespace json = boost::json;

namespace {

// A notetype as a 2.1 client sends it in applyChanges, with keys nobody
// here knows at every level ("vers", "tags", "media", "x-*").
const char* basic_json = R"({
  "id": 1700000000000, "name": "Basic", "type": 0, "mod": 1700000100, "usn": 5,
  "sortf": 0, "did": 1,
  "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}",
             "afmt": "{{FrontSide}}<hr id=answer>{{Back}}", "bqfmt": "", "bafmt": "",
             "did": null, "bfont": "", "bsize": 0, "id": 42, "x-tmpl": [1, 2]}],
  "flds": [{"name": "Front", "ord": 0, "sticky": false, "rtl": false, "font": "Arial",
            "size": 20, "description": "", "plainText": false, "collapsed": false,
            "excludeFromSearch": false, "id": -7, "tag": null, "preventDeletion": false,
            "media": [], "x-field": {"deep": true}},
           {"name": "Back", "ord": 1, "sticky": true, "rtl": false, "font": "Arial",
            "size": 20}],
  "css": ".card {}", "latexPre": "pre", "latexPost": "post", "latexsvg": false,
  "req": [[0, "any", [0]]], "originalStockKind": 1,
  "vers": [], "tags": ["a"], "x-top": {"nested": {"k": 1.5}}
})";

json::object parse_obj(const char* text) { return json::parse(text).as_object(); }

} // namespace

TEST_CASE("a schema-11 notetype becomes a row", "[schema11_notetype]") {
  auto nt = notetype_from_schema11(json::parse(basic_json));
  REQUIRE(nt);
  CHECK(nt->id == 1700000000000);
  CHECK(nt->name == "Basic");
  CHECK(nt->mtime_secs == 1700000100);
  CHECK(nt->usn == 5);
  CHECK(nt->config.kind() == pb::NotetypeConfig::KIND_NORMAL);
  CHECK(nt->config.target_deck_id_unused() == 1);
  CHECK(nt->config.css() == ".card {}");
  CHECK(nt->config.original_stock_kind() == pb::NotetypeConfig::ORIGINAL_STOCK_KIND_BASIC);
  CHECK_FALSE(nt->config.has_original_id());
  REQUIRE(nt->config.reqs_size() == 1);
  CHECK(nt->config.reqs(0).kind() == pb::NotetypeConfig::CardRequirement::KIND_ANY);
  REQUIRE(nt->fields.size() == 2);
  CHECK(nt->fields[1].ord == 1);
  CHECK(nt->fields[1].config.sticky());
  CHECK(nt->fields[0].config.id() == -7);
  CHECK_FALSE(nt->fields[1].config.has_id());
  REQUIRE(nt->templates.size() == 1);
  CHECK(nt->templates[0].config.id() == 42);
  CHECK(nt->templates[0].mtime_secs == 0);
  CHECK(nt->templates[0].usn == 0);
  // Unknown keys are kept as JSON in `other`, at every level.
  CHECK(json::parse(nt->config.other()) ==
        json::parse(R"({"vers":[],"tags":["a"],"x-top":{"nested":{"k":1.5}}})"));
  CHECK(json::parse(nt->fields[0].config.other()) ==
        json::parse(R"({"media":[],"x-field":{"deep":true}})"));
  CHECK(nt->fields[1].config.other().empty());
  CHECK(json::parse(nt->templates[0].config.other()) == json::parse(R"({"x-tmpl":[1,2]})"));
}

TEST_CASE("a notetype survives schema 11 -> row -> schema 11 with unknown keys", "[schema11_notetype]") {
  auto nt = notetype_from_schema11(json::parse(basic_json));
  REQUIRE(nt);
  json::object out = notetype_to_schema11(*nt);
  json::object in = parse_obj(basic_json);
  // Keys the writer always emits with their defaults when the input lacked them.
  auto& back = in["flds"].as_array()[1].as_object();
  const std::vector<std::pair<const char*, json::value>> defaults{
      {"description", ""}, {"plainText", false}, {"collapsed", false},
      {"excludeFromSearch", false}, {"id", nullptr}, {"tag", nullptr},
      {"preventDeletion", false}};
  for (const auto& [k, v] : defaults) back[k] = v;
  CHECK(out == in);
  // And once more through a row: stable.
  auto again = notetype_from_schema11(out);
  REQUIRE(again);
  CHECK(notetype_to_schema11(*again) == out);
  // A row written back uses JSON text with floats in short form.
  CHECK(to_json_text(out).find("\"k\":1.5") != std::string::npos);
}

TEST_CASE("notetype parsing is lenient where upstream is", "[schema11_notetype]") {
  json::object o = parse_obj(basic_json);
  o["id"] = "1700000000000";            // ids as strings (old files)
  o["did"] = "not a deck";             // lenient: becomes 0
  o["css"] = 5;                         // lenient: becomes ""
  o["latexsvg"] = "yes";                // lenient: false
  o["req"] = json::array{json::array{0, "sometimes", json::array{}}}; // lenient: []
  auto& f = o["flds"].as_array()[0].as_object();
  f["sticky"] = "1";                     // bool-like
  f["rtl"] = "TRUE";
  f["description"] = 3;                  // lenient
  f["id"] = "x";                         // lenient: absent
  auto& t = o["tmpls"].as_array()[0].as_object();
  t["did"] = "x";                        // lenient: 0
  t["bsize"] = 300;                      // lenient: does not fit u8 -> 0
  t.erase("afmt");                       // optional
  t.erase("ord");
  auto nt = notetype_from_schema11(o);
  REQUIRE(nt);
  CHECK(nt->id == 1700000000000);
  CHECK(nt->config.target_deck_id_unused() == 0);
  CHECK(nt->config.css().empty());
  CHECK_FALSE(nt->config.latex_svg());
  CHECK(nt->config.reqs_size() == 0);
  CHECK(nt->fields[0].config.sticky());
  CHECK(nt->fields[0].config.rtl());
  CHECK(nt->fields[0].config.description().empty());
  CHECK_FALSE(nt->fields[0].config.has_id());
  CHECK(nt->templates[0].config.target_deck_id() == 0);
  CHECK(nt->templates[0].config.browser_font_size() == 0);
  CHECK(nt->templates[0].config.a_format().empty());
  auto out = notetype_to_schema11(*nt);
  CHECK(out["did"].is_null());
  CHECK(out["id"] == 1700000000000);
  // Optional keys missing from the input are fine.
  o.erase("latexPre");
  o.erase("latexPost");
  o.erase("latexsvg");
  o.erase("req");
  o.erase("originalStockKind");
  CHECK(notetype_from_schema11(o));
}

TEST_CASE("a notetype missing a required key is invalid", "[schema11_notetype]") {
  for (const char* key : {"id", "name", "type", "mod", "usn", "sortf", "did", "tmpls", "flds", "css"}) {
    json::object o = parse_obj(basic_json);
    o.erase(key);
    auto nt = notetype_from_schema11(o);
    INFO(key);
    REQUIRE_FALSE(nt);
    CHECK(nt.error().code == storage_errc::invalid);
    CHECK(nt.error().message.find(key) != std::string::npos);
  }
  for (const char* key : {"name", "sticky", "rtl", "font", "size"}) {
    json::object o = parse_obj(basic_json);
    o["flds"].as_array()[0].as_object().erase(key);
    INFO(key);
    CHECK_FALSE(notetype_from_schema11(o));
  }
  for (const char* key : {"name", "qfmt"}) {
    json::object o = parse_obj(basic_json);
    o["tmpls"].as_array()[0].as_object().erase(key);
    INFO(key);
    CHECK_FALSE(notetype_from_schema11(o));
  }
}

TEST_CASE("a notetype with wrong-typed strict keys is invalid", "[schema11_notetype]") {
  auto with = [](const char* key, json::value v) {
    json::object o = parse_obj(basic_json);
    o[key] = std::move(v);
    return notetype_from_schema11(o);
  };
  CHECK_FALSE(with("type", 2));       // only 0 and 1
  CHECK_FALSE(with("mod", "1"));      // mod is never a string
  CHECK_FALSE(with("sortf", -1));
  CHECK_FALSE(with("usn", 1.0));      // a float is not an integer
  CHECK_FALSE(with("latexPre", 1));   // optional but strict
  CHECK_FALSE(with("name", nullptr));
  json::object o = parse_obj(basic_json);
  o["flds"].as_array()[0].as_object()["sticky"] = 2;
  CHECK_FALSE(notetype_from_schema11(o));
  CHECK_FALSE(notetype_from_schema11(json::value("not an object")));
}

TEST_CASE("cloze kind, original id and template decks are written as upstream", "[schema11_notetype]") {
  json::object o = parse_obj(basic_json);
  o["type"] = 1;
  o["did"] = nullptr;
  o["originalId"] = 99;
  o.erase("originalStockKind");
  o["tmpls"].as_array()[0].as_object()["did"] = 1234;
  auto nt = notetype_from_schema11(o);
  REQUIRE(nt);
  CHECK(nt->config.kind() == pb::NotetypeConfig::KIND_CLOZE);
  CHECK(nt->config.original_id() == 99);
  auto out = notetype_to_schema11(*nt);
  CHECK(out["type"] == 1);
  CHECK(out["did"].is_null());
  CHECK(out["originalId"] == 99);
  CHECK_FALSE(out.contains("originalStockKind")); // omitted when 0
  CHECK(out["tmpls"].as_array()[0].as_object()["did"] == 1234);
}

TEST_CASE("keys the writer emits are not duplicated from `other`", "[schema11_notetype]") {
  auto nt = notetype_from_schema11(json::parse(basic_json));
  REQUIRE(nt);
  nt->config.set_other(R"({"name":"stale","css":"old","vers":[]})");
  auto out = notetype_to_schema11(*nt);
  CHECK(out["name"] == "Basic");
  CHECK(out["css"] == ".card {}");
  CHECK(out["vers"] == json::array{});
  // Unparsable `other` is ignored.
  nt->config.set_other("{not json");
  CHECK(notetype_to_schema11(*nt)["name"] == "Basic");
}

TEST_CASE("notetypes convert from and to JSON text", "[schema11_notetype]") {
  auto nt = notetype_from_schema11_text(basic_json);
  REQUIRE(nt);
  std::string text = notetype_to_schema11_text(*nt);
  auto again = notetype_from_schema11_text(text);
  REQUIRE(again);
  CHECK(notetype_to_schema11_text(*again) == text);
  auto bad = notetype_from_schema11_text("{\"id\":");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == storage_errc::invalid);
  // Duplicate keys: the last one wins.
  auto dup = notetype_from_schema11_text(
      std::string(basic_json).insert(1, "\"name\": \"First\", "));
  REQUIRE(dup);
  CHECK(dup->name == "Basic");
}
