// Schema-11 copies of schema-18 collections, and 18 -> 11 -> 18 round trips.

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "storage/collection.hpp"
#include "storage/deck_config_defaults.hpp"
#include "storage/deck_config_table.hpp"
#include "storage/decks_table.hpp"
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

using namespace ankisync::storage;
using namespace ankisync::storage::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::int64_t created_ms = 1'700'000'000'000;

collection open_new(const fs::path& file) {
  collection_options options;
  options.now_ms = created_ms;
  auto col = collection::open(file, options);
  REQUIRE(col);
  return std::move(*col);
}

// A collection with something in every table and objects using most of
// what the schema-11 JSON can say.
void populate(collection& col) {
  sqlite3* db = col.handle();
  const std::int64_t basic = created_ms;

  note_row n;
  n.id = 1000;
  n.guid = "g\xC3\xA9";
  n.mid = basic;
  n.mod = 1600000000;
  n.usn = 3;
  n.tags = " alpha beta::x ";
  n.flds = "front\x1f" "42";
  REQUIRE(col.put_note(n, {2, 1}));
  n.id = 1001;
  n.flds = "other\x1f" "back";
  n.usn = -1;
  REQUIRE(col.put_note(n, {2, 0}));

  card_row c;
  c.id = 2000;
  c.nid = 1000;
  c.did = 1;
  c.type = 2;
  c.queue = 2;
  c.due = 812;
  c.ivl = 10;
  c.factor = 1500; // low, but the config is fine: stays
  c.usn = 3;
  c.data = R"({"s":3.5,"d":5.0})";
  REQUIRE(col.put_card(c));
  c.id = 2001;
  c.nid = 1001;
  c.did = 5;
  c.odid = 6;
  c.odue = 900;
  c.data = "";
  c.usn = -1;
  REQUIRE(col.put_card(c));

  REQUIRE(col.add_revlog({1600000000000, 2000, 3, 3, 10, -600, 2500, 6000, 1}));
  REQUIRE(col.add_revlog({1600000000001, 2001, -1, 1, -60, 0, 0, 1200, 0}));
  REQUIRE(col.add_grave({77, grave_kind::card}, 2));
  REQUIRE(col.add_grave({77, grave_kind::note}, -1));
  REQUIRE(col.add_grave({78, grave_kind::deck}, 5));
  REQUIRE(col.register_tag("alpha", 3));
  REQUIRE(col.register_tag("beta::x", -1));
  REQUIRE(col.set_config({"nested", 4, 1600000000, R"({"a":[1,null,"x"],"b":1.5})"}));
  REQUIRE(col.set_config({"_deck_6_lastNotetype", 0, 0, "1700000000000"}));

  // A deck config with values other than the defaults and unknown keys.
  deck_config_row conf;
  conf.id = 1700000000500;
  conf.name = "Kanji \xE6\xBC\xA2";
  conf.mtime_secs = 1600000100;
  conf.usn = 4;
  conf.config = default_deck_config();
  conf.config.clear_learn_steps();
  conf.config.add_learn_steps(0.5f);
  conf.config.add_learn_steps(30.0f);
  conf.config.set_new_per_day(35);
  conf.config.set_initial_ease(2.3f);
  conf.config.set_easy_multiplier(1.45f);
  conf.config.set_desired_retention(0.87f);
  conf.config.add_fsrs_params_5(0.4f);
  conf.config.add_fsrs_params_5(1.2f);
  conf.config.set_ignore_revlogs_before_date("2023-01-01");
  // In the order the schema-11 converter writes unknown keys (top level
  // first, then those of new/rev/lapse), so the bytes survive a round trip;
  // another order would come back reordered (upstream's is a hash map's).
  conf.config.set_other(R"({"custom":[1,2],"new":{"separate":true},"rev":{"fuzz":0.05}})");
  REQUIRE(put_deck_config(db, conf));

  deck_row parent;
  parent.id = 2;
  parent.name = "Parent";
  parent.mtime_secs = 1600000200;
  parent.usn = 1;
  parent.common.set_study_collapsed(true);
  parent.common.set_last_day_studied(300);
  parent.common.set_new_studied(4);
  parent.common.set_milliseconds_studied(90000);
  parent.common.set_other(R"({"mystery":{"x":1}})");
  auto* normal = parent.kind.mutable_normal();
  normal->set_config_id(conf.id);
  normal->set_description("**desc**");
  normal->set_markdown_description(true);
  normal->set_review_limit(100);
  normal->mutable_new_limit_today()->set_limit(5);
  normal->mutable_new_limit_today()->set_today(300);
  normal->set_desired_retention(0.85f);
  REQUIRE(put_deck(db, parent));
  deck_row child = parent;
  child.id = 6;
  child.name = "Parent\x1f" "Ch\xC3\xAFld";
  child.common.clear_other();
  REQUIRE(put_deck(db, child));

  deck_row filtered;
  filtered.id = 5;
  filtered.name = "Filtered";
  filtered.mtime_secs = 1600000300;
  filtered.usn = -1;
  auto* f = filtered.kind.mutable_filtered();
  f->set_reschedule(true);
  auto* term = f->add_search_terms();
  term->set_search("deck:Parent is:due");
  term->set_limit(50);
  term->set_order(pb::DeckFiltered::SearchTerm::DUE);
  f->add_delays(1.5f);
  f->set_preview_again_secs(60);
  REQUIRE(put_deck(db, filtered));

  // A notetype with unusual names and settings.
  auto nt = get_notetype(db, basic);
  REQUIRE(nt);
  notetype_row custom = **nt;
  custom.id = created_ms + 100;
  custom.name = "Vocab \xE2\x9C\x93";
  custom.mtime_secs = 1600000400;
  custom.usn = -1;
  custom.fields[1].name = "R\xC3\xBC" "ckseite";
  custom.fields[1].config.set_description("the back");
  custom.fields[1].config.set_id(123456789);
  custom.fields[1].config.set_tag(3);
  custom.fields[1].config.set_other(R"({"media":[]})");
  custom.templates[0].config.set_target_deck_id(6);
  custom.templates[0].config.set_browser_font_size(200);
  custom.config.set_other(R"({"vers":[],"tags":["x"]})");
  custom.config.set_original_stock_kind(pb::NotetypeConfig::ORIGINAL_STOCK_KIND_BASIC);
  custom.config.set_original_id(basic);
  REQUIRE(put_notetype(db, custom));
}

std::map<std::string, std::vector<std::string>> all_rows(sqlite3* db) {
  std::map<std::string, std::vector<std::string>> out;
  for (auto& t : query_rows(db, "select name from sqlite_master where type = 'table'"
                                " and name not like 'sqlite_%'"))
    out[t[0]] = table_rows(db, t[0]);
  return out;
}

json::object col_json(sqlite3* db, const std::string& column) {
  return json::parse(query_rows(db, "select " + column + " from col")[0][0]).as_object();
}

} // namespace

TEST_CASE("a schema-11 copy of a new collection", "[schema]") {
  temp_dir dir;
  fs::path source = dir / "collection.anki2";
  { open_new(source); }
  const std::string source_bytes = read_file(source);
  fs::path dest = dir / "download.anki2";
  REQUIRE(write_schema11_copy(source, dest));
  CHECK(read_file(source) == source_bytes);

  raw_db db(dest);
  CHECK(db.value("select ver from col") == "11");
  CHECK(db.value("pragma journal_mode") == "delete");
  CHECK(db.value("pragma integrity_check") == "ok");
  CHECK(query_rows(db, "select name from sqlite_master where type = 'table'"
                       " and name not like 'sqlite_%' order by name") ==
        rows{{"cards"}, {"col"}, {"graves"}, {"notes"}, {"revlog"}});
  CHECK(query_rows(db, "select name from sqlite_master where type = 'index'"
                       " and name not like 'sqlite_autoindex%' order by name") ==
        rows{{"ix_cards_nid"}, {"ix_cards_sched"}, {"ix_cards_usn"}, {"ix_notes_csum"},
             {"ix_notes_usn"}, {"ix_revlog_cid"}, {"ix_revlog_usn"}});
  // graves as schema 11 has it: a rowid table (usn, oid, type).
  CHECK(query_rows(db, "select name, pk from pragma_table_info('graves')") ==
        rows{{"usn", "0"}, {"oid", "0"}, {"type", "0"}});
  CHECK(lowered(db.value("select sql from sqlite_master where name = 'graves'")).find("without rowid") ==
        std::string::npos);

  // The Default deck exactly as upstream writes it (collection-schema.md 7.3).
  auto decks = col_json(db, "decks");
  REQUIRE(decks.size() == 1);
  CHECK(decks.at("1") == json::parse(R"({"id":1,"mod":0,"name":"Default","usn":0,
     "lrnToday":[0,0],"revToday":[0,0],"newToday":[0,0],"timeToday":[0,0],
     "collapsed":true,"browserCollapsed":true,"desc":"","dyn":0,
     "conf":1,"extendNew":0,"extendRev":0,"reviewLimit":null,"newLimit":null,
     "reviewLimitToday":null,"newLimitToday":null,"desiredRetention":null})"));

  auto models = col_json(db, "models");
  CHECK(models.size() == 6);
  CHECK(models.at(std::to_string(created_ms)).as_object().at("name").as_string() == "Basic");
  auto dconf = col_json(db, "dconf");
  REQUIRE(dconf.size() == 1);
  CHECK(dconf.at("1").as_object().at("new").as_object().at("initialFactor").as_int64() == 2500);
  auto conf = col_json(db, "conf");
  CHECK(conf.size() == 16);
  CHECK(conf.at("curModel").as_int64() == created_ms);
  CHECK(conf.at("creationOffset").is_null());
  CHECK(col_json(db, "tags").empty());
}

TEST_CASE("the copy is a snapshot of the last commit of an open collection", "[schema]") {
  temp_dir dir;
  fs::path source = dir / "collection.anki2";
  auto col = open_new(source);
  REQUIRE(col.set_config({"fresh", 0, 0, "true"}));
  REQUIRE(col.begin());
  REQUIRE(col.set_config({"uncommitted", 0, 0, "1"}));
  fs::path dest = dir / "download.anki2";
  REQUIRE(write_schema11_copy(source, dest));
  REQUIRE(col.rollback());
  raw_db db(dest);
  auto conf = col_json(db, "conf");
  CHECK(conf.contains("fresh"));
  CHECK_FALSE(conf.contains("uncommitted"));
  // The live collection is still schema 18 and usable.
  CHECK(col.read_col()->ver == 18);
  CHECK(col.get_config("fresh").value().has_value());
}

TEST_CASE("18 -> 11 -> 18 keeps every row", "[schema]") {
  temp_dir dir;
  fs::path source = dir / "collection.anki2";
  {
    auto col = open_new(source);
    populate(col);
  }
  raw_db src(source);
  const auto before = all_rows(src);
  const auto shape = schema_shape(src);
  REQUIRE(before.at("decks").size() == 4);
  REQUIRE(before.at("notetypes").size() == 7);

  fs::path copy = dir / "legacy.anki2";
  REQUIRE(write_schema11_copy(source, copy));

  // Every object is in the schema-11 JSON as the converters write it.
  {
    raw_db legacy(copy);
    auto models = col_json(legacy, "models");
    auto notetypes = all_notetypes(src);
    REQUIRE(notetypes);
    CHECK(models.size() == notetypes->size());
    for (const auto& nt : *notetypes)
      CHECK(models.at(std::to_string(nt.id)) == json::value(notetype_to_schema11(nt)));
    auto decks = col_json(legacy, "decks");
    auto deck_rows = all_decks(src);
    REQUIRE(deck_rows);
    CHECK(decks.size() == deck_rows->size());
    for (const auto& d : *deck_rows) CHECK(decks.at(std::to_string(d.id)) == json::value(deck_to_schema11(d)));
    CHECK(decks.at("6").as_object().at("name").as_string() == "Parent::Ch\xC3\xAFld");
    auto dconf = col_json(legacy, "dconf");
    auto confs = all_deck_configs(src);
    REQUIRE(confs);
    CHECK(dconf.size() == confs->size());
    for (const auto& c : *confs)
      CHECK(dconf.at(std::to_string(c.id)) == json::value(deck_config_to_schema11(c)));
    CHECK(dconf.at("1700000000500").as_object().at("custom") == json::parse("[1,2]"));
    auto conf = col_json(legacy, "conf");
    CHECK(conf.at("nested") == json::parse(R"({"a":[1,null,"x"],"b":1.5})"));
    CHECK(col_json(legacy, "tags") == json::parse(R"({"alpha":3,"beta::x":-1})").as_object());
    CHECK(query_rows(legacy, "select usn, oid, type from graves order by oid, type") ==
          rows{{"2", "77", "0"}, {"-1", "77", "1"}, {"5", "78", "2"}});
  }

  REQUIRE(upgrade_to_schema18(copy));
  raw_db db(copy);
  CHECK(db.value("pragma integrity_check") == "ok");
  CHECK(schema_shape(db) == shape);
  auto after = all_rows(db);
  for (const auto& [table, rows_of_table] : before) {
    INFO(table);
    if (table == "config") {
      // Schema 11 keeps no usn or mtime for config values; the upgrade
      // writes 0 for both, as upstream's does.
      CHECK(table_rows(db, "config", "KEY, val") == table_rows(src, "config", "KEY, val"));
      CHECK(db.value("select count(*) from config where usn != 0 or mtime_secs != 0") == "0");
    } else {
      CHECK(after.at(table) == rows_of_table);
    }
  }
  CHECK(after.size() == before.size());
}

#ifdef ANKISYNC_FIXTURES_DIR

TEST_CASE("the schema-18 fixture survives 18 -> 11 -> 18", "[schema][fixture]") {
  temp_dir dir;
  fs::path source = dir / "real.anki2";
  fs::copy_file(fs::path(ANKISYNC_FIXTURES_DIR) / "schema18-real-74notes.anki2", source);
  const std::string source_bytes = read_file(source);
  fs::path copy = dir / "legacy.anki2";
  REQUIRE(write_schema11_copy(source, copy));
  CHECK(read_file(source) == source_bytes);
  {
    raw_db legacy(copy);
    CHECK(legacy.value("select ver from col") == "11");
    CHECK(legacy.value("pragma integrity_check") == "ok");
    CHECK(col_json(legacy, "models").size() == 1);
    CHECK(col_json(legacy, "conf").size() == 16);
  }
  REQUIRE(upgrade_to_schema18(copy));

  raw_db src(source);
  raw_db db(copy);
  CHECK(db.value("pragma integrity_check") == "ok");
  for (const char* table : {"col", "notes", "cards", "revlog"}) {
    INFO(table);
    CHECK(table_rows(db, table) == table_rows(src, table));
  }
  CHECK(table_rows(src, "notes").size() == 74);
  CHECK(table_rows(db, "graves", "oid, type, usn") == table_rows(src, "graves", "oid, type, usn"));
  CHECK(table_rows(db, "config", "KEY, val") == table_rows(src, "config", "KEY, val"));
  CHECK(table_rows(db, "tags", "tag, usn") == table_rows(src, "tags", "tag, usn"));
  CHECK(table_rows(db, "fields") == table_rows(src, "fields"));
  CHECK(table_rows(db, "templates", "ntid, ord, name, config") ==
        table_rows(src, "templates", "ntid, ord, name, config"));
  // The fixture's writer encoded a zero original_stock_kind explicitly
  // (bytes 48 00); proto3 omits defaults, so only the bytes differ: compare
  // the rest of the row, and the messages below.
  CHECK(table_rows(db, "notetypes", "id, name, mtime_secs, usn") ==
        table_rows(src, "notetypes", "id, name, mtime_secs, usn"));
  CHECK(table_rows(db, "decks") == table_rows(src, "decks"));

  // Every JSON key, compared through the converters (deck configs are
  // read with value repair, so the empty blob comes back repaired).
  auto nts_before = all_notetypes(src), nts_after = all_notetypes(db);
  REQUIRE(nts_before);
  REQUIRE(nts_after);
  REQUIRE(nts_before->size() == nts_after->size());
  for (std::size_t i = 0; i < nts_before->size(); ++i) {
    CHECK(to_json_text(notetype_to_schema11((*nts_after)[i])) ==
          to_json_text(notetype_to_schema11((*nts_before)[i])));
    CHECK((*nts_after)[i].config.SerializeAsString() == (*nts_before)[i].config.SerializeAsString());
  }
  auto decks_before = all_decks(src), decks_after = all_decks(db);
  REQUIRE(decks_before);
  REQUIRE(decks_after);
  REQUIRE(decks_before->size() == decks_after->size());
  for (std::size_t i = 0; i < decks_before->size(); ++i)
    CHECK(to_json_text(deck_to_schema11((*decks_after)[i])) ==
          to_json_text(deck_to_schema11((*decks_before)[i])));
  auto confs_before = all_deck_configs(src), confs_after = all_deck_configs(db);
  REQUIRE(confs_before);
  REQUIRE(confs_after);
  REQUIRE(confs_before->size() == confs_after->size());
  for (std::size_t i = 0; i < confs_before->size(); ++i)
    CHECK(to_json_text(deck_config_to_schema11((*confs_after)[i])) ==
          to_json_text(deck_config_to_schema11((*confs_before)[i])));

  // The upgrade leaves upstream's canonical layout behind.
  CHECK(query_rows(db, "select count(*) from pragma_table_info('tags') where name = 'collapsed'") ==
        rows{{"1"}});
  CHECK(query_rows(db, "select count(*) from pragma_table_info('graves') where pk > 0") == rows{{"2"}});
  CHECK(query_rows(db, "select \"unique\" from pragma_index_list('decks') where name = 'idx_decks_name'") ==
        rows{{"1"}});
  auto col = collection::open(copy, {.create_if_missing = false, .check_integrity = true});
  REQUIRE(col);
  CHECK(col->counts()->notes == 74);
}

#endif // ANKISYNC_FIXTURES_DIR

TEST_CASE("a schema-11 copy refuses, and leaves nothing behind", "[schema]") {
  temp_dir dir;
  fs::path source = dir / "collection.anki2";
  { open_new(source); }

  SECTION("an existing destination") {
    fs::path dest = dir / "taken.anki2";
    { std::ofstream(dest) << "mine"; }
    auto r = write_schema11_copy(source, dest);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == storage_errc::exists);
    CHECK(read_file(dest) == "mine");
  }
  SECTION("a source that is not at schema 18") {
    fs::path legacy = dir / "legacy.anki2";
    make_schema11_file(legacy, {});
    fs::path dest = dir / "dest.anki2";
    auto r = write_schema11_copy(legacy, dest);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == storage_errc::invalid);
    CHECK_FALSE(fs::exists(dest));
  }
  SECTION("a config value that is not JSON") {
    {
      raw_db db(source);
      db.exec("insert into config values ('broken', 0, 0, x'7b7b')");
    }
    const std::string bytes = read_file(source);
    fs::path dest = dir / "dest.anki2";
    auto r = write_schema11_copy(source, dest);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == storage_errc::corrupt);
    CHECK_FALSE(fs::exists(dest));
    CHECK_FALSE(fs::exists(dest.string() + "-journal"));
    CHECK(read_file(source) == bytes);
  }
  SECTION("a missing source") {
    fs::path dest = dir / "dest.anki2";
    CHECK_FALSE(write_schema11_copy(dir / "missing.anki2", dest));
    CHECK_FALSE(fs::exists(dest));
    CHECK_FALSE(fs::exists(dir / "missing.anki2"));
  }
}
