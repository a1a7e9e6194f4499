#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "objects_db.hpp"
#include "storage/deck_config_table.hpp"
#include "storage/collection_schema.hpp"
#include "storage/decks_table.hpp"
#include "storage/default_objects.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_notetype.hpp"
#include "storage/unicase.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::objects_db;
namespace json = boost::json;

namespace {

constexpr std::int64_t now_ms = 1700000000123;

std::vector<std::string> field_names(const notetype_row& nt) {
  std::vector<std::string> out;
  for (const auto& f : nt.fields) out.push_back(f.name);
  return out;
}

std::vector<std::string> template_names(const notetype_row& nt) {
  std::vector<std::string> out;
  for (const auto& t : nt.templates) out.push_back(t.name);
  return out;
}

using req = std::pair<int, std::vector<std::uint32_t>>;
std::vector<req> reqs(const notetype_row& nt) {
  std::vector<req> out;
  for (const auto& r : nt.config.reqs())
    out.emplace_back(r.kind(), std::vector<std::uint32_t>(r.field_ords().begin(), r.field_ords().end()));
  return out;
}

} // namespace

TEST_CASE("a new collection gets the default deck and deck config", "[default_objects]") {
  objects_db t;
  REQUIRE(insert_default_objects(t.db, now_ms));
  auto deck = get_deck(t.db, 1);
  REQUIRE(deck);
  REQUIRE(*deck);
  CHECK((*deck)->name == "Default");
  CHECK((*deck)->mtime_secs == 0);
  CHECK((*deck)->usn == 0);
  CHECK(json::value(deck_to_schema11(**deck)) ==
        json::parse(R"({"id":1,"mod":0,"name":"Default","usn":0,
          "lrnToday":[0,0],"revToday":[0,0],"newToday":[0,0],"timeToday":[0,0],
          "collapsed":true,"browserCollapsed":true,"desc":"","dyn":0,
          "conf":1,"extendNew":0,"extendRev":0,"reviewLimit":null,"newLimit":null,
          "reviewLimitToday":null,"newLimitToday":null,"desiredRetention":null})"));
  auto conf = get_deck_config(t.db, 1);
  REQUIRE(conf);
  REQUIRE(*conf);
  CHECK((*conf)->name == "Default");
  CHECK((*conf)->mtime_secs == 0);
  CHECK((*conf)->usn == 0);
  CHECK((*conf)->config.new_per_day() == 20);
  CHECK((*conf)->config.reviews_per_day() == 200);
  CHECK((*conf)->config.learn_steps_size() == 2);
  CHECK((*conf)->config.relearn_steps_size() == 1);
  CHECK((*conf)->config.easy_days_percentages_size() == 7);
  CHECK((*conf)->config.wait_for_audio());
  CHECK(*count_decks(t.db) == 1);
  CHECK(*count_deck_configs(t.db) == 1);
}

TEST_CASE("a new collection gets the six stock notetypes", "[default_objects]") {
  objects_db t;
  REQUIRE(insert_default_objects(t.db, now_ms));
  auto all = all_notetypes(t.db);
  REQUIRE(all);
  REQUIRE(all->size() == 6);
  const auto& nts = *all;
  std::vector<std::string> names;
  for (const auto& nt : nts) names.push_back(nt.name);
  CHECK(names == std::vector<std::string>{"Basic", "Basic (and reversed card)",
                                          "Basic (optional reversed card)",
                                          "Basic (type in the answer)", "Cloze", "Image Occlusion"});
  for (std::size_t i = 0; i < nts.size(); ++i) {
    CHECK(nts[i].id == now_ms + static_cast<std::int64_t>(i));
    CHECK(nts[i].mtime_secs == 0);
    CHECK(nts[i].usn == 0);
    CHECK(nts[i].config.original_stock_kind() == static_cast<int>(i + 1));
    CHECK(nts[i].config.latex_post() == "\\end{document}");
    for (const auto& f : nts[i].fields) CHECK(f.config.has_id());
    for (const auto& tm : nts[i].templates) CHECK(tm.config.has_id());
  }
  using V = std::vector<std::string>;
  CHECK(field_names(nts[0]) == V{"Front", "Back"});
  CHECK(template_names(nts[1]) == V{"Card 1", "Card 2"});
  CHECK(field_names(nts[2]) == V{"Front", "Back", "Add Reverse"});
  CHECK(field_names(nts[4]) == V{"Text", "Back Extra"});
  CHECK(template_names(nts[4]) == V{"Cloze"});
  CHECK(field_names(nts[5]) == V{"Occlusion", "Image", "Header", "Back Extra", "Comments"});

  CHECK(nts[0].config.kind() == pb::NotetypeConfig::KIND_NORMAL);
  CHECK(nts[4].config.kind() == pb::NotetypeConfig::KIND_CLOZE);
  CHECK(nts[5].config.kind() == pb::NotetypeConfig::KIND_CLOZE);
  CHECK(nts[0].templates[0].config.q_format() == "{{Front}}");
  CHECK(nts[0].templates[0].config.a_format() == "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}");
  CHECK(nts[2].templates[1].config.q_format() == "{{#Add Reverse}}{{Back}}{{/Add Reverse}}");
  CHECK(nts[3].templates[0].config.q_format() == "{{Front}}\n\n{{type:Back}}");
  CHECK(nts[4].templates[0].config.a_format() == "{{cloze:Text}}<br>\n{{Back Extra}}");
  CHECK(nts[4].config.css().find(".nightMode .cloze") != std::string::npos);
  CHECK(nts[0].config.css().find(".cloze") == std::string::npos);
  CHECK(nts[5].config.css().find("#image-occlusion-canvas") == 0);
  CHECK(nts[0].fields[0].config.font_name() == "Arial");
  CHECK(nts[0].fields[0].config.font_size() == 20);
  CHECK(nts[4].fields[0].config.tag() == 0);
  CHECK(nts[4].fields[0].config.prevent_deletion());
  CHECK(nts[4].fields[1].config.tag() == 1);
  CHECK_FALSE(nts[4].fields[1].config.prevent_deletion());
  CHECK_FALSE(nts[0].fields[0].config.has_tag());
  CHECK(nts[5].fields[4].config.tag() == 4);
  CHECK_FALSE(nts[5].fields[4].config.prevent_deletion());

  // Card requirements as upstream computes them from the front templates.
  const int any = pb::NotetypeConfig::CardRequirement::KIND_ANY;
  const int all_ = pb::NotetypeConfig::CardRequirement::KIND_ALL;
  CHECK(reqs(nts[0]) == std::vector<req>{{any, {0}}});
  CHECK(reqs(nts[1]) == std::vector<req>{{any, {0}}, {any, {1}}});
  CHECK(reqs(nts[2]) == std::vector<req>{{any, {0}}, {all_, {1, 2}}});
  CHECK(reqs(nts[3]) == std::vector<req>{{any, {0, 1}}});
  CHECK(reqs(nts[4]) == std::vector<req>{{any, {0}}});
  CHECK(reqs(nts[5]) == std::vector<req>{{any, {0, 1, 2}}});

  // As schema 11, Basic reads like a fresh upstream collection's.
  json::object basic = notetype_to_schema11(nts[0]);
  CHECK(basic["type"] == 0);
  CHECK(basic["did"].is_null());
  CHECK(basic["originalStockKind"] == 1);
  CHECK(basic["req"] == json::parse(R"([[0,"any",[0]]])"));
  CHECK(basic["flds"].as_array()[0].as_object()["tag"].is_null());
}

TEST_CASE("default objects go in all or nothing", "[default_objects]") {
  objects_db t;
  // A deck already named "Default" with another id makes the insert fail.
  deck_row clash;
  clash.id = 5;
  clash.name = "default";
  clash.kind.mutable_normal()->set_config_id(1);
  REQUIRE(put_deck(t.db, clash));
  REQUIRE_FALSE(insert_default_objects(t.db, now_ms));
  CHECK(*count_deck_configs(t.db) == 0);
  CHECK(*count_notetypes(t.db) == 0);
}

TEST_CASE("a created collection holds the default objects and passes integrity_check",
          "[default_objects]") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  REQUIRE(register_unicase(db));
  REQUIRE(create_collection(db, now_ms));
  auto nts = all_notetypes(db);
  REQUIRE(nts);
  CHECK(nts->size() == 6);
  CHECK(*count_decks(db) == 1);
  CHECK(*count_deck_configs(db) == 1);
  // The unique name indexes were filled in unicase order.
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) == "ok");
  sqlite3_finalize(s);
  sqlite3_close(db);
}
