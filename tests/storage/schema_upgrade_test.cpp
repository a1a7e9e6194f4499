// Converting collection files from schema 11 (and 14-17) to 18.

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "storage/collection.hpp"
#include "storage/collection_schema.hpp"
#include "storage/deck_config_table.hpp"
#include "storage/decks_table.hpp"
#include "storage/full_sync.hpp"
#include "storage/json_text.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_notetype.hpp"
#include "storage/schema_downgrade.hpp"
#include "storage/schema_upgrade.hpp"
#include "tests/storage/collection_helpers.hpp"
#include "tests/storage/schema_files.hpp"
#include "tests/storage/temp_dir.hpp"

#include "deck_config.pb.h"

using namespace ankisync::storage;
using namespace ankisync::storage::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::int64_t now_secs = 1'700'000'000;

// The shape a brand-new collection has, to compare upgraded files with.
std::vector<std::string> new_collection_shape() {
  temp_dir dir;
  {
    collection_options options;
    options.now_ms = 1'700'000'000'000;
    REQUIRE(collection::open(dir / "new.anki2", options));
  }
  raw_db db(dir / "new.anki2");
  return schema_shape(db);
}

// ---- a hand-made schema-11 collection exercising the upgrade's rules ----

std::string field_json(const std::string& name) {
  return R"({"name": ")" + name + R"(", "ord": 0, "sticky": false, "rtl": false, "font": "Arial", "size": 20, "media": []})";
}
std::string template_json(const std::string& name) {
  return R"({"name": ")" + name + R"(", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{Back}}", "did": null, "bqfmt": "", "bafmt": ""})";
}
std::string notetype_json(const std::string& id, const std::string& name,
                          const std::vector<std::string>& fields,
                          const std::vector<std::string>& templates) {
  std::string f, t;
  for (auto& x : fields) f += (f.empty() ? "" : ", ") + field_json(x);
  for (auto& x : templates) t += (t.empty() ? "" : ", ") + template_json(x);
  return R"({"id": )" + id + R"(, "name": ")" + name +
         R"(", "type": 0, "mod": 1600000000, "usn": 3, "sortf": 0, "did": 1, "css": ".card {}",)"
         R"( "latexPre": "pre", "latexPost": "post", "vers": [], "tags": [], "req": [[0, "any", [0]]],)"
         R"( "flds": [)" + f + R"(], "tmpls": [)" + t + "]}";
}
std::string deck_json(int id, const std::string& name, int conf, int mod = 1600000100) {
  return R"({"id": )" + std::to_string(id) + R"(, "name": ")" + name + R"(", "mod": )" +
         std::to_string(mod) +
         R"(, "usn": 2, "lrnToday": [5, 1], "revToday": [5, 2], "newToday": [5, 3], "timeToday": [5, 4000],)"
         R"( "collapsed": false, "browserCollapsed": true, "desc": "about", "dyn": 0, "conf": )" +
         std::to_string(conf) + R"(, "extendNew": 10, "extendRev": 50, "mystery": {"x": 1}})";
}
std::string dconf_json(const std::string& id, const std::string& name, int initial_factor) {
  return R"({"id": )" + id + R"(, "mod": 1600000200, "name": ")" + name +
         R"(", "usn": 1, "maxTaken": 60, "autoplay": true, "timer": 0, "replayq": true, "dyn": false,)"
         R"( "new": {"bury": false, "delays": [1, 10], "initialFactor": )" +
         std::to_string(initial_factor) +
         R"(, "ints": [1, 4, 7], "order": 1, "perDay": 20, "separate": true},)"
         R"( "rev": {"bury": false, "ease4": 1.3, "ivlFct": 1, "maxIvl": 36500, "perDay": 200, "hardFactor": 1.2, "fuzz": 0.05},)"
         R"( "lapse": {"delays": [10], "leechAction": 0, "leechFails": 8, "minInt": 1, "mult": 0}, "extra": "kept"})";
}

schema11_json handmade_json() {
  schema11_json j;
  j.conf = R"({"curModel": "100", "nextPos": 3, "estTimes": true, "rollover": 4,)"
           R"( "activeCols": ["noteFld", "cardDue"], "ratio": 1.5, "nested": {"a": [1, null]}, "creationOffset": null})";
  j.models = "{" +
             // field and template names that clash under unicase get "+"
             std::string(R"("100": )") +
             notetype_json(R"("100")", "Basic", {"Front", "front"}, {"Card 1", "card 1"}) + ", " +
             // a notetype name that clashes with an earlier (lower) id gets "_"
             R"("200": )" + notetype_json("200", "basic", {"Text"}, {"Cloze"}) + ", " +
             // names become NFC
             R"("300": )" + notetype_json("300", "Cafe\\u0301", {"Ve\\u0301rso"}, {"Card 1"}) + "}";
  const std::string filtered =
      R"({"id": 5, "name": "Filtered", "mod": 1600000300, "usn": 2, "lrnToday": [0, 0],)"
      R"( "revToday": [0, 0], "newToday": [0, 0], "timeToday": [0, 0], "collapsed": true,)"
      R"( "desc": "", "dyn": 1, "resched": true, "terms": [["deck:Low", 100, 1]], "separate": true,)"
      R"( "delays": null, "previewDelay": 10, "return": true})";
  j.decks = "{" + std::string(R"("1": )") + deck_json(1, "Default", 1) + ", " +
            // normalised name: the deck counts as changed
            R"("2": )" + deck_json(2, "  Parent :: Child  ", 1) + ", " +
            R"("3": )" + deck_json(3, "Dup", 1) + ", " +
            // clashes with "Dup" under unicase: "_" appended, changed
            R"("4": )" + deck_json(4, "dup", 1) + ", " + R"("5": )" + filtered + ", " +
            R"("6": )" + deck_json(6, "Low", 2) + "}";
  // The map key wins over the inner id; an initial ease <= 1.3 is reset.
  j.dconf = "{" + std::string(R"("1": )") + dconf_json("1", "Default", 2500) + ", " +
            R"("2": )" + dconf_json(R"("7")", "Low", 1300) + "}";
  // "Alpha" clashes with "alpha" under unicase: the first one stays.
  j.tags = R"({"alpha": 0, "Alpha": 5, "beta::x": -1})";
  return j;
}

// Notes, cards, revlog and graves of the hand-made file; cards 1-5 test
// the ease repair of the decks using config 2 (deck 6, and deck 5 holding
// a card from deck 6).
void add_handmade_rows(const fs::path& file) {
  raw_db db(file);
  db.exec(
      "insert into notes values (1000, 'guid1', 100, 1600000000, 4, ' alpha ', 'front\x1f" "back', 'front', 123, 0, '');"
      "insert into cards values (1, 1000, 6, 0, 1600000000, 4, 2, 2, 10, 5, 1500, 3, 0, 0, 0, 0, 0, '');"
      "insert into cards values (2, 1000, 6, 1, 1600000000, 4, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, '{}');"
      "insert into cards values (3, 1000, 6, 2, 1600000000, 4, 2, 2, 10, 5, 2100, 3, 0, 0, 0, 0, 0, '');"
      "insert into cards values (4, 1000, 5, 3, 1600000000, 4, 2, 2, 10, 5, 1800, 3, 0, 0, 7, 6, 0, '');"
      "insert into cards values (5, 1000, 1, 4, 1600000000, 4, 2, 2, 10, 5, 1500, 3, 0, 0, 0, 0, 0, '');"
      "insert into revlog values (1600000000000, 1, 4, 3, 10, 1, 2500, 6000, 1);"
      "insert into graves values (-1, 10, 0);"
      "insert into graves values (-1, 10, 0);"
      "insert into graves values (3, 10, 1);");
}

fs::path handmade_file(const temp_dir& dir, const std::string& name = "legacy.anki2") {
  fs::path file = dir / name;
  make_schema11_file(file, handmade_json(), 7);
  add_handmade_rows(file);
  return file;
}

schema_upgrade_options fixed_clock() {
  schema_upgrade_options o;
  o.now_secs = now_secs;
  return o;
}

} // namespace

TEST_CASE("a hand-made schema-11 collection upgrades to schema 18 by upstream's rules", "[schema]") {
  temp_dir dir;
  fs::path file = handmade_file(dir);
  raw_db before_db(file);
  const auto notes = table_rows(before_db, "notes");
  const auto revlog = table_rows(before_db, "revlog");
  const auto col_before = typed_rows(before_db, "select id, crt, mod, scm, dty, usn, ls from col");
  sqlite3_close_v2(before_db.db);
  before_db.db = nullptr;

  REQUIRE(collection_schema_version(file).value() == 11);
  auto r = upgrade_to_schema18(file, fixed_clock());
  REQUIRE(r);
  REQUIRE(collection_schema_version(file).value() == 18);

  raw_db db(file);
  CHECK(db.value("pragma integrity_check") == "ok");
  CHECK(schema_shape(db) == new_collection_shape());

  // col: only ver and the JSON columns change.
  CHECK(typed_rows(db, "select id, crt, mod, scm, dty, usn, ls from col") == col_before);
  CHECK(query_rows(db, "select ver, conf, models, decks, dconf, tags from col") ==
        rows{{"18", "", "", "", "", ""}});
  CHECK(table_rows(db, "notes") == notes);
  CHECK(table_rows(db, "revlog") == revlog);

  // Graves keyed by (oid, type): the duplicate collapsed.
  CHECK(query_rows(db, "select oid, type, usn from graves order by oid, type") ==
        rows{{"10", "0", "-1"}, {"10", "1", "3"}});

  // Notetypes: NFC names, "+" for clashing field/template names, "_" for
  // a notetype name clashing with a lower id's. mtime/usn as in the JSON.
  CHECK(query_rows(db, "select id, name, mtime_secs, usn from notetypes order by id") ==
        rows{{"100", "Basic", "1600000000", "3"},
             {"200", "basic_", "1600000000", "3"},
             {"300", "Caf\xC3\xA9", "1600000000", "3"}});
  CHECK(query_rows(db, "select ntid, ord, name from fields order by ntid, ord") ==
        rows{{"100", "0", "Front"}, {"100", "1", "front+"}, {"200", "0", "Text"},
             {"300", "0", "V\xC3\xA9rso"}});
  CHECK(query_rows(db, "select ntid, ord, name, mtime_secs, usn from templates order by ntid, ord") ==
        rows{{"100", "0", "Card 1", "0", "0"}, {"100", "1", "card 1+", "0", "0"},
             {"200", "0", "Cloze", "0", "0"}, {"300", "0", "Card 1", "0", "0"}});
  auto basic = get_notetype(db, 100);
  REQUIRE(basic);
  REQUIRE(basic->has_value());
  auto basic_json = notetype_to_schema11(**basic);
  CHECK(basic_json.at("vers").as_array().empty());
  CHECK(basic_json.at("latexPre").as_string() == "pre");
  CHECK(basic_json.at("flds").as_array()[1].as_object().at("media").as_array().empty());

  // Decks: native names; normalised or de-duplicated ones are stamped
  // with now and the collection's usn (7); the others keep theirs.
  CHECK(query_rows(db, "select id, name, mtime_secs, usn from decks order by id") ==
        rows{{"1", "Default", "1600000100", "2"},
             {"2", "Parent\x1f" "Child", std::to_string(now_secs), "7"},
             {"3", "Dup", "1600000100", "2"},
             {"4", "dup_", std::to_string(now_secs), "7"},
             {"5", "Filtered", "1600000300", "2"},
             {"6", "Low", "1600000100", "2"}});
  auto low = get_deck(db, 6);
  REQUIRE(low);
  REQUIRE(low->has_value());
  CHECK((*low)->kind.normal().config_id() == 2);
  CHECK((*low)->common.last_day_studied() == 5);
  CHECK((*low)->common.milliseconds_studied() == 4000);
  CHECK(to_json_text(deck_to_schema11(**low).at("mystery")) == R"({"x":1})");
  auto filtered = get_deck(db, 5);
  REQUIRE(filtered);
  REQUIRE(filtered->has_value());
  REQUIRE((*filtered)->is_filtered());
  CHECK((*filtered)->kind.filtered().search_terms(0).search() == "deck:Low");
  CHECK((*filtered)->kind.filtered().preview_delay() == 10);
  CHECK_FALSE(deck_to_schema11(**filtered).contains("return"));

  // Deck configs keyed by the map key; 1.3 became 2.5.
  CHECK(query_rows(db, "select id, name, mtime_secs, usn from deck_config order by id") ==
        rows{{"1", "Default", "1600000200", "1"}, {"2", "Low", "1600000200", "1"}});
  auto low_conf = get_deck_config(db, 2);
  REQUIRE(low_conf);
  REQUIRE(low_conf->has_value());
  CHECK((*low_conf)->config.initial_ease() == 2.5f);
  auto low_json = deck_config_to_schema11(**low_conf);
  CHECK(low_json.at("extra").as_string() == "kept");
  CHECK(low_json.at("rev").as_object().at("fuzz").as_double() == 0.05);
  CHECK(low_json.at("new").as_object().at("separate").as_bool());

  // Cards of decks using the repaired config (by did or odid) with an
  // ease in 1..2000 get 2500 and the collection's usn.
  CHECK(query_rows(db, "select id, factor, usn from cards order by id") ==
        rows{{"1", "2500", "7"}, {"2", "0", "4"}, {"3", "2100", "4"}, {"4", "2500", "7"},
             {"5", "1500", "4"}});

  // Config rows: compact JSON blobs, usn 0, mtime 0.
  CHECK(typed_rows(db, "select KEY, usn, mtime_secs, val from config where KEY = 'ratio'") ==
        std::vector<std::string>{"t:\"ratio\" | i:0 | i:0 | b:312e35"});
  CHECK(query_rows(db, "select KEY, val from config order by KEY") ==
        rows{{"activeCols", R"(["noteFld","cardDue"])"},
             {"creationOffset", "null"},
             {"curModel", R"("100")"},
             {"estTimes", "true"},
             {"nested", R"({"a":[1,null]})"},
             {"nextPos", "3"},
             {"ratio", "1.5"},
             {"rollover", "4"}});
  CHECK(db.value("select count(*) from config where usn != 0 or mtime_secs != 0") == "0");

  // Tags: the first of a unicase clash, all collapsed.
  CHECK(query_rows(db, "select tag, usn, collapsed, config from tags order by tag") ==
        rows{{"alpha", "0", "1", "NULL"}, {"beta::x", "-1", "1", "NULL"}});

  CHECK(db.value("select count(*) from sqlite_stat1") != "0");
}

TEST_CASE("an upgraded collection opens as a normal schema-18 collection", "[schema]") {
  temp_dir dir;
  fs::path file = handmade_file(dir);
  REQUIRE(upgrade_to_schema18(file, fixed_clock()));
  auto col = collection::open(file, {.create_if_missing = false, .check_integrity = true});
  REQUIRE(col);
  auto counts = col->counts();
  REQUIRE(counts);
  CHECK(counts->cards == 5);
  CHECK(counts->notes == 1);
  CHECK(counts->revlog == 1);
  CHECK(counts->graves == 2);
  CHECK(counts->notetypes == 3);
  CHECK(counts->decks == 6);
  CHECK(counts->deck_config == 2);
  CHECK(col->all_tags().value() == std::vector<std::string>{"alpha", "beta::x"});
  CHECK(col->integrity_check().value() == "ok");
}

TEST_CASE("in client mode the upgrade stamps what it changes with usn -1", "[schema]") {
  temp_dir dir;
  fs::path file = handmade_file(dir);
  auto options = fixed_clock();
  options.server = false;
  REQUIRE(upgrade_to_schema18(file, options));
  raw_db db(file);
  CHECK(query_rows(db, "select id, usn from decks where mtime_secs = " + std::to_string(now_secs) +
                           " order by id") == rows{{"2", "-1"}, {"4", "-1"}});
  CHECK(query_rows(db, "select id, usn from cards where factor = 2500 order by id") ==
        rows{{"1", "-1"}, {"4", "-1"}});
}

TEST_CASE("malformed schema-11 JSON is refused as corrupt and the file is unchanged", "[schema]") {
  struct bad_case {
    const char* what;
    void (*spoil)(schema11_json&);
  };
  const bad_case cases[] = {
      {"models not JSON", [](schema11_json& j) { j.models = "{\"100\": {"; }},
      {"decks not JSON", [](schema11_json& j) { j.decks = "nonsense"; }},
      {"dconf not JSON", [](schema11_json& j) { j.dconf = ""; }},
      {"conf not JSON", [](schema11_json& j) { j.conf = "{'single': 1}"; }},
      {"tags not JSON", [](schema11_json& j) { j.tags = "{\"a\": }"; }},
      {"conf not an object", [](schema11_json& j) { j.conf = "[1, 2]"; }},
      {"models key not an id", [](schema11_json& j) {
         j.models = R"({"basic": )" + notetype_json("1", "Basic", {"F"}, {"C"}) + "}";
       }},
      {"notetype without flds", [](schema11_json& j) {
         j.models = R"({"1": {"id": 1, "name": "x", "type": 0, "mod": 0, "usn": 0, "sortf": 0, "did": 1, "tmpls": [], "css": ""}})";
       }},
      {"notetype of unknown type", [](schema11_json& j) {
         std::string nt = notetype_json("1", "Basic", {"F"}, {"C"});
         nt.replace(nt.find("\"type\": 0"), 9, "\"type\": 5");
         j.models = R"({"1": )" + nt + "}";
       }},
      {"deck without a name", [](schema11_json& j) {
         j.decks = R"({"1": {"id": 1, "usn": 0, "lrnToday": [0, 0], "revToday": [0, 0], "newToday": [0, 0], "timeToday": [0, 0], "collapsed": false, "dyn": 0, "conf": 1}})";
       }},
      {"deck config without maxTaken", [](schema11_json& j) {
         std::string c = dconf_json("1", "Default", 2500);
         c.replace(c.find("\"maxTaken\": 60, "), 16, "");
         j.dconf = R"({"1": )" + c + "}";
       }},
      {"tag usn not a number", [](schema11_json& j) { j.tags = R"({"a": "zero"})"; }},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    temp_dir dir;
    schema11_json j = handmade_json();
    c.spoil(j);
    fs::path file = dir / "bad.anki2";
    make_schema11_file(file, j, 7);
    add_handmade_rows(file);
    const std::string bytes = read_file(file);
    auto r = upgrade_to_schema18(file, fixed_clock());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == storage_errc::corrupt);
    CHECK(read_file(file) == bytes);
    CHECK_FALSE(fs::exists(file.string() + "-journal"));
    CHECK(collection_schema_version(file).value() == 11);
  }
}

TEST_CASE("versions the upgrade refuses, and files at 18 it leaves alone", "[schema]") {
  temp_dir dir;
  for (std::int64_t ver : {10, 12, 13, 19}) {
    INFO(ver);
    fs::path file = dir / ("v" + std::to_string(ver) + ".anki2");
    make_schema11_file(file, handmade_json(), 0, ver);
    const std::string bytes = read_file(file);
    auto r = upgrade_to_schema18(file);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == storage_errc::corrupt);
    CHECK(read_file(file) == bytes);
  }

  fs::path not_sqlite = dir / "fake.anki2";
  { std::ofstream(not_sqlite) << "fake data, not a database at all, but long enough to look like one";}
  auto r = upgrade_to_schema18(not_sqlite);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == storage_errc::corrupt);
  CHECK_FALSE(collection_schema_version(not_sqlite));

  auto missing = upgrade_to_schema18(dir / "missing.anki2");
  REQUIRE_FALSE(missing);
  CHECK_FALSE(fs::exists(dir / "missing.anki2"));

  fs::path current = dir / "current.anki2";
  REQUIRE(collection::open(current));
  // A WAL-mode file can be read for its version without a -shm around.
  CHECK(collection_schema_version(current).value() == 18);
  const std::string bytes = read_file(current);
  REQUIRE(upgrade_to_schema18(current));
  CHECK(read_file(current) == bytes);
  CHECK(schema_needs_upgrade(11));
  CHECK(schema_needs_upgrade(17));
  CHECK_FALSE(schema_needs_upgrade(12));
  CHECK_FALSE(schema_needs_upgrade(18));
}

TEST_CASE("the integrity check option refuses a damaged file before upgrading", "[schema]") {
  temp_dir dir;
  fs::path file = handmade_file(dir);
  {
    raw_db db(file);
    // An index entry with no row behind it: integrity_check reports it.
    db.exec("pragma writable_schema = on;"
            "update sqlite_master set sql = 'create index ix_notes_csum on notes (mod)'"
            " where name = 'ix_notes_csum';"
            "pragma writable_schema = off;");
  }
  const std::string bytes = read_file(file);
  schema_upgrade_options options;
  options.check_integrity = true;
  auto r = upgrade_to_schema18(file, options);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == storage_errc::corrupt);
  CHECK(read_file(file) == bytes);
}

// ---- 14, 15, 16 and 17: files upstream left mid-way ----

namespace {

// A new collection with a little of everything, closed.
fs::path populated_collection(const temp_dir& dir, const std::string& name) {
  fs::path file = dir / name;
  collection_options options;
  options.now_ms = 1'700'000'000'000;
  auto col = collection::open(file, options);
  REQUIRE(col);
  note_row n;
  n.id = 1000;
  n.guid = "g";
  n.mid = 1'700'000'000'000;
  n.mod = 1600000000;
  n.usn = 2;
  n.tags = " t1 ";
  n.flds = "a\x1f" "b";
  REQUIRE(col->put_note(n, {2, 0}));
  card_row c;
  c.id = 2000;
  c.nid = 1000;
  c.did = 1;
  c.factor = 1800;
  c.usn = 2;
  c.data = "{}";
  REQUIRE(col->put_card(c));
  REQUIRE(col->add_revlog({1600000000000, 2000, 2, 3, 10, 1, 2500, 5000, 1}));
  REQUIRE(col->add_grave({77, grave_kind::note}, 1));
  REQUIRE(col->register_tag("t1", 2));
  return file;
}

// All rows of every table but sqlite_stat1, typed.
std::map<std::string, std::vector<std::string>> all_rows(sqlite3* db) {
  std::map<std::string, std::vector<std::string>> out;
  for (auto& t : query_rows(db, "select name from sqlite_master where type = 'table'"
                                " and name not like 'sqlite_%'"))
    out[t[0]] = table_rows(db, t[0]);
  return out;
}

// Graves back to the keyless table, as they were before 18.
void graves_to_schema11(const raw_db& db) {
  db.exec("alter table graves rename to g_old;" + std::string(schema11_graves_ddl) +
          "insert into graves select usn, oid, type from g_old; drop table g_old;");
}

} // namespace

TEST_CASE("files at schemas 14 to 17 get the steps they lack", "[schema]") {
  temp_dir dir;
  fs::path original = populated_collection(dir, "original.anki2");
  raw_db orig(original);
  const auto expected = all_rows(orig);
  const auto shape = schema_shape(orig);

  SECTION("17: graves not yet keyed") {
    fs::path file = dir / "v17.anki2";
    fs::copy_file(original, file);
    {
      raw_db db(file);
      graves_to_schema11(db);
      db.exec("insert into graves values (1, 77, 1); update col set ver = 17");
    }
    REQUIRE(upgrade_to_schema18(file));
    raw_db db(file);
    CHECK(all_rows(db) == expected);
    CHECK(schema_shape(db) == shape);
    CHECK(db.value("pragma integrity_check") == "ok");
  }

  SECTION("16: tags without collapsed") {
    fs::path file = dir / "v16.anki2";
    fs::copy_file(original, file);
    {
      raw_db db(file);
      graves_to_schema11(db);
      db.exec("drop table tags;"
              "create table tags (tag text not null primary key collate unicase, usn integer not null) without rowid;"
              "insert into tags values ('t1', 2); update col set ver = 16");
    }
    REQUIRE(upgrade_to_schema18(file));
    raw_db db(file);
    CHECK(all_rows(db) == expected);
    CHECK(schema_shape(db) == shape);
  }

  SECTION("15: initial ease stored x100, one config at the old wrong default") {
    fs::path file = dir / "v15.anki2";
    fs::copy_file(original, file);
    {
      raw_db db(file);
      graves_to_schema11(db);
      db.exec("drop table tags;"
              "create table tags (tag text not null primary key collate unicase, usn integer not null) without rowid;"
              "insert into tags values ('t1', 2); update col set ver = 15");
      auto rows = query_rows(db, "select id, hex(config) from deck_config");
      REQUIRE(rows.size() == 1);
      pb::DeckConfigConfig c;
      std::string bytes;
      for (std::size_t i = 0; i + 1 < rows[0][1].size(); i += 2)
        bytes += static_cast<char>(std::stoi(rows[0][1].substr(i, 2), nullptr, 16));
      REQUIRE(c.ParseFromString(bytes));
      c.set_initial_ease(c.initial_ease() * 100.0f);
      sqlite3_stmt* s = nullptr;
      sqlite3_prepare_v2(db, "update deck_config set config = ?", -1, &s, nullptr);
      std::string out = c.SerializeAsString();
      sqlite3_bind_blob(s, 1, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
      REQUIRE(sqlite3_step(s) == SQLITE_DONE);
      sqlite3_finalize(s);
      // A second config at 1.3 (x100), used by a deck with a low-ease card.
      c.set_initial_ease(130.0f);
      out = c.SerializeAsString();
      sqlite3_prepare_v2(db, "insert into deck_config values (2, 'Low', 0, 0, ?)", -1, &s, nullptr);
      sqlite3_bind_blob(s, 1, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
      REQUIRE(sqlite3_step(s) == SQLITE_DONE);
      sqlite3_finalize(s);
      deck_row low;
      low.id = 2;
      low.name = "Low";
      low.kind.mutable_normal()->set_config_id(2);
      REQUIRE(put_deck(db, low));
      db.exec("update col set usn = 9;"
              "insert into cards select 2001, nid, 2, ord, mod, usn, type, queue, due, ivl, 1300,"
              " reps, lapses, left, odue, odid, flags, data from cards where id = 2000");
    }
    REQUIRE(upgrade_to_schema18(file));
    raw_db db(file);
    auto conf1 = get_deck_config(db, 1);
    REQUIRE(conf1);
    CHECK((*conf1)->config.initial_ease() == 2.5f);
    auto conf2 = get_deck_config(db, 2);
    REQUIRE(conf2);
    CHECK((*conf2)->config.initial_ease() == 2.5f);
    // Only the card in the deck of the repaired config changes.
    CHECK(query_rows(db, "select id, factor, usn from cards order by id") ==
          rows{{"2000", "1800", "2"}, {"2001", "2500", "9"}});
    CHECK(table_rows(db, "deck_config", "id, name, mtime_secs, usn") ==
          std::vector<std::string>{"i:1 | t:\"Default\" | i:0 | i:0", "i:2 | t:\"Low\" | i:0 | i:0"});
    CHECK(table_rows(db, "tags") == expected.at("tags"));
    CHECK(table_rows(db, "graves") == expected.at("graves"));
    CHECK(schema_shape(db) == shape);
  }

  SECTION("14: notetypes and decks still JSON, deck configs JSON in their rows") {
    // Schema 11 from our own downgrade, then upstream's step to 14 by hand.
    fs::path file = dir / "v14.anki2";
    REQUIRE(write_schema11_copy(original, file));
    {
      raw_db db(file);
      auto col = query_rows(db, "select conf, dconf, tags from col");
      REQUIRE(col.size() == 1);
      db.exec(std::string(schema14_ddl) +
              "create table tags (tag text not null primary key collate unicase, usn integer not null) without rowid;");
      auto conf = json::parse(col[0][0]).as_object();
      for (auto& [k, v] : conf) {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "insert into config values (?, 0, 0, ?)", -1, &s, nullptr);
        std::string key(k), val = to_json_text(v);
        sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 2, val.data(), static_cast<int>(val.size()), SQLITE_TRANSIENT);
        REQUIRE(sqlite3_step(s) == SQLITE_DONE);
        sqlite3_finalize(s);
      }
      const json::value dconf = json::parse(col[0][1]);
      for (auto& [k, v] : dconf.as_object()) {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "insert into deck_config values (?, ?, ?, ?, ?)", -1, &s, nullptr);
        std::string val = to_json_text(v);
        sqlite3_bind_int64(s, 1, std::stoll(std::string(k)));
        sqlite3_bind_text(s, 2, v.at("name").as_string().c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, v.at("mod").to_number<std::int64_t>());
        sqlite3_bind_int64(s, 4, v.at("usn").to_number<std::int64_t>());
        sqlite3_bind_blob(s, 5, val.data(), static_cast<int>(val.size()), SQLITE_TRANSIENT);
        REQUIRE(sqlite3_step(s) == SQLITE_DONE);
        sqlite3_finalize(s);
      }
      const json::value tags = json::parse(col[0][2]);
      for (auto& [k, v] : tags.as_object())
        db.exec("insert into tags values ('" + std::string(k) + "', " +
                std::to_string(v.to_number<std::int64_t>()) + ")");
      db.exec("update col set ver = 14, conf = '', dconf = '', tags = ''");
    }
    REQUIRE(collection_schema_version(file).value() == 14);
    REQUIRE(upgrade_to_schema18(file));
    raw_db db(file);
    auto got = all_rows(db);
    for (const auto& [table, rows_of_table] : expected) {
      INFO(table);
      if (table == "config") {
        // Schema 11 has no usn/mtime for config: the upgrade writes 0s.
        CHECK(table_rows(db, "config", "KEY, val") == table_rows(orig, "config", "KEY, val"));
      } else {
        CHECK(got.at(table) == rows_of_table);
      }
    }
    CHECK(schema_shape(db) == shape);
    CHECK(db.value("pragma integrity_check") == "ok");
  }
}

TEST_CASE("a legacy upload is validated by upgrading it to schema 18", "[schema]") {
  temp_dir dir;
  SECTION("a schema-11 file is accepted and stored as 18") {
    fs::path file = handmade_file(dir, "upload.tmp");
    REQUIRE(validate_uploaded_collection(file));
    CHECK(collection_schema_version(file).value() == 18);
    raw_db db(file);
    CHECK(db.value("select count(*) from notetypes") == "3");
    CHECK(db.value("pragma integrity_check") == "ok");
  }
  SECTION("bad JSON is the corrupt upload") {
    schema11_json j = handmade_json();
    j.decks = "{";
    fs::path file = dir / "upload.tmp";
    make_schema11_file(file, j);
    auto r = validate_uploaded_collection(file);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == storage_errc::corrupt);
  }
  SECTION("12, 13, 10 and 19 stay refused") {
    for (std::int64_t ver : {10, 12, 13, 19}) {
      INFO(ver);
      fs::path file = dir / ("upload" + std::to_string(ver) + ".tmp");
      make_schema11_file(file, handmade_json(), 0, ver);
      auto r = validate_uploaded_collection(file);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == storage_errc::corrupt);
    }
  }
  SECTION("a schema-18 file still passes unchanged") {
    fs::path file = populated_collection(dir, "upload.tmp");
    CHECK(validate_uploaded_collection(file));
  }
  SECTION("the server failing to read its own temp file is not a corrupt upload") {
    // A folder where the file should be: SQLite cannot open it, as with
    // an I/O error on the server's disk.
    fs::path file = dir / "upload.tmp";
    fs::create_directories(file);
    auto r = validate_uploaded_collection(file);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == storage_errc::io);
  }
}

// ---- real files ----

#ifdef ANKISYNC_FIXTURES_DIR

namespace {

fs::path fixture(const std::string& name) { return fs::path(ANKISYNC_FIXTURES_DIR) / name; }

// The JSON of every object the schema-11 file holds, before upgrading.
struct original_json {
  json::object conf, models, decks, dconf, tags;
};

original_json read_original(sqlite3* db) {
  auto col = query_rows(db, "select conf, models, decks, dconf, tags from col");
  REQUIRE(col.size() == 1);
  original_json o;
  o.conf = json::parse(col[0][0]).as_object();
  o.models = json::parse(col[0][1]).as_object();
  o.decks = json::parse(col[0][2]).as_object();
  o.dconf = json::parse(col[0][3]).as_object();
  o.tags = json::parse(col[0][4]).as_object();
  return o;
}

// Checks that the upgraded rows say what the JSON said: every key of each
// original object is in the object the converters write back, with an
// equal value. `renamed` lists notetype ids whose name got a suffix.
void check_objects_match(sqlite3* db, const original_json& o,
                         const std::map<std::int64_t, std::string>& renamed = {}) {
  for (const auto& [key, value] : o.models) {
    INFO("notetype " << std::string(key));
    const std::int64_t id = std::stoll(std::string(key));
    auto nt = get_notetype(db, id);
    REQUIRE(nt);
    REQUIRE(nt->has_value());
    json::value expected = value;
    // Old files hold ids as strings; the converter writes numbers.
    expected.as_object()["id"] = id;
    if (auto it = renamed.find(id); it != renamed.end()) expected.as_object()["name"] = it->second;
    std::string why;
    CHECK(json_covers(notetype_to_schema11(**nt), expected, why));
    INFO(why);
    CHECK(why.empty());
  }
  CHECK(query_rows(db, "select count(*) from notetypes")[0][0] == std::to_string(o.models.size()));

  for (const auto& [key, value] : o.decks) {
    INFO("deck " << std::string(key));
    auto d = get_deck(db, std::stoll(std::string(key)));
    REQUIRE(d);
    REQUIRE(d->has_value());
    std::string why;
    CHECK(json_covers(deck_to_schema11(**d), value, why));
    INFO(why);
    CHECK(why.empty());
  }
  CHECK(query_rows(db, "select count(*) from decks")[0][0] == std::to_string(o.decks.size()));

  for (const auto& [key, value] : o.dconf) {
    INFO("deck config " << std::string(key));
    auto c = get_deck_config(db, std::stoll(std::string(key)));
    REQUIRE(c);
    REQUIRE(c->has_value());
    json::value expected = value;
    // Upstream keeps only the first two graduating intervals.
    auto& ints = expected.as_object()["new"].as_object()["ints"].as_array();
    if (ints.size() == 3) ints[2] = 0;
    std::string why;
    CHECK(json_covers(deck_config_to_schema11(**c), expected, why));
    INFO(why);
    CHECK(why.empty());
  }
  CHECK(query_rows(db, "select count(*) from deck_config")[0][0] == std::to_string(o.dconf.size()));

  for (const auto& [key, value] : o.conf) {
    INFO("config " << std::string(key));
    CHECK(query_rows(db, "select val, usn, mtime_secs from config where KEY = '" + std::string(key) + "'") ==
          rows{{to_json_text(value), "0", "0"}});
  }
  CHECK(query_rows(db, "select count(*) from config")[0][0] == std::to_string(o.conf.size()));

  for (const auto& [key, value] : o.tags)
    CHECK(query_rows(db, "select usn, collapsed from tags where tag = '" + std::string(key) + "'") ==
          rows{{std::to_string(value.to_number<std::int64_t>()), "1"}});
  CHECK(query_rows(db, "select count(*) from tags")[0][0] == std::to_string(o.tags.size()));
}

} // namespace

TEST_CASE("the schema-11 fixture upgrades row for row", "[schema][fixture]") {
  temp_dir dir;
  fs::path file = dir / "mediacheck.anki2";
  fs::copy_file(fixture("schema11-mediacheck.anki2"), file);
  const std::string fixture_bytes = read_file(fixture("schema11-mediacheck.anki2"));

  original_json o;
  std::vector<std::string> notes, cards, revlog, col_before;
  {
    raw_db db(file);
    o = read_original(db);
    notes = table_rows(db, "notes");
    cards = table_rows(db, "cards");
    revlog = table_rows(db, "revlog");
    col_before = typed_rows(db, "select id, crt, mod, scm, dty, usn, ls from col");
  }
  REQUIRE(notes.size() == 3);
  REQUIRE(cards.size() == 3);
  REQUIRE(revlog.size() == 2);

  REQUIRE(upgrade_to_schema18(file));
  raw_db db(file);
  CHECK(db.value("pragma integrity_check") == "ok");
  CHECK(schema_shape(db) == new_collection_shape());
  CHECK(db.value("select ver from col") == "18");
  CHECK(typed_rows(db, "select id, crt, mod, scm, dty, usn, ls from col") == col_before);
  CHECK(query_rows(db, "select conf || models || decks || dconf || tags from col") == rows{{""}});
  CHECK(table_rows(db, "notes") == notes);
  CHECK(table_rows(db, "cards") == cards);
  CHECK(table_rows(db, "revlog") == revlog);
  CHECK(query_rows(db, "select oid, type, usn from graves") == rows{{"1581236488477", "1", "-1"}});

  check_objects_match(db, o);
  CHECK(query_rows(db, "select id, name from notetypes order by id") ==
        rows{{"1581236385343", "Cloze"},
             {"1581236385344", "Basic (type in the answer)"},
             {"1581236385345", "Basic (optional reversed card)"},
             {"1581236385346", "Basic (and reversed card)"},
             {"1581236385347", "Basic"}});
  CHECK(query_rows(db, "select id, name, mtime_secs, usn from decks") ==
        rows{{"1", "Default", "1581236492", "-1"}});
  // The shared file itself is untouched.
  CHECK(read_file(fixture("schema11-mediacheck.anki2")) == fixture_bytes);

  // And it opens as a collection.
  sqlite3_close_v2(db.db);
  db.db = nullptr;
  auto col = collection::open(file, {.create_if_missing = false, .check_integrity = true});
  REQUIRE(col);
  CHECK(col->counts()->notes == 3);
}

TEST_CASE("collections inside legacy .apkg packages upgrade", "[schema][fixture]") {
  struct package {
    const char* file;
    std::int64_t notes, cards;
    std::int64_t kept_basic, renamed_basic;
  };
  const package packages[] = {
      {"legacy-media.apkg", 1, 1, 1348208768231, 1348208860315},
      {"legacy-update1.apkg", 1, 1, 1375933491726, 1375933525504},
  };
  for (const auto& p : packages) {
    INFO(p.file);
    temp_dir dir;
    fs::path file = dir / "collection.anki2";
    extract_apkg_collection(fixture(p.file), file);
    original_json o;
    std::vector<std::string> notes, cards;
    {
      raw_db db(file);
      o = read_original(db);
      notes = table_rows(db, "notes");
      cards = table_rows(db, "cards");
    }
    CHECK(notes.size() == static_cast<std::size_t>(p.notes));
    CHECK(cards.size() == static_cast<std::size_t>(p.cards));
    REQUIRE(upgrade_to_schema18(file));
    raw_db db(file);
    CHECK(db.value("pragma integrity_check") == "ok");
    CHECK(schema_shape(db) == new_collection_shape());
    CHECK(table_rows(db, "notes") == notes);
    CHECK(table_rows(db, "cards") == cards);
    // Both packages hold two notetypes called "Basic": the later id gets "_".
    CHECK(db.value("select name from notetypes where id = " + std::to_string(p.kept_basic)) == "Basic");
    CHECK(db.value("select name from notetypes where id = " + std::to_string(p.renamed_basic)) == "Basic_");
    check_objects_match(db, o, {{p.renamed_basic, "Basic_"}});
    // Every note's notetype exists and has its fields.
    CHECK(db.value("select count(*) from notes where mid not in (select id from notetypes)") == "0");
    CHECK(db.value("select count(*) from notetypes where id not in (select ntid from fields)") == "0");
  }
}

TEST_CASE("the schema-11 fixture passes the upload check", "[schema][fixture]") {
  temp_dir dir;
  fs::path file = dir / "upload.tmp";
  fs::copy_file(fixture("schema11-mediacheck.anki2"), file);
  REQUIRE(validate_uploaded_collection(file));
  CHECK(collection_schema_version(file).value() == 18);
  auto col = collection::open(file, {.create_if_missing = false});
  REQUIRE(col);
  CHECK(col->counts()->cards == 3);
  CHECK(col->table_with_pending_row().value() == std::optional<std::string>("cards"));
}

#endif // ANKISYNC_FIXTURES_DIR
