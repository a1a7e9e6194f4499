#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "storage/collection.hpp"
#include "storage/collection_schema.hpp"
#include "tests/storage/collection_helpers.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace ankisync::storage;
using namespace ankisync::storage::test;

namespace {

constexpr std::int64_t created_ms = 1'700'000'000'123;

collection new_collection(const temp_dir& dir, std::string name = "collection.anki2") {
  collection_options options;
  options.now_ms = created_ms;
  auto col = collection::open(dir / name, options);
  REQUIRE(col);
  return std::move(*col);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "name type notnull pk" per column, as SQLite reports the table.
std::vector<std::string> columns_of(sqlite3* db, const std::string& table) {
  std::vector<std::string> out;
  for (auto& row : query_rows(db, "select name, type, \"notnull\", pk from pragma_table_info('" +
                                      table + "')"))
    out.push_back(row[0] + " " + lower(row[1]) + " " + row[2] + " " + row[3]);
  return out;
}

bool without_rowid(sqlite3* db, const std::string& table) {
  auto sql = query_rows(db, "select sql from sqlite_master where name = '" + table + "'");
  return !sql.empty() && lower(sql[0][0]).find("without rowid") != std::string::npos;
}

card_row sample_card(std::int64_t id, std::int32_t usn) {
  card_row c;
  c.id = id;
  c.nid = 100;
  c.did = 1;
  c.mod = 1'700'000'000;
  c.usn = usn;
  c.type = 2;
  c.queue = 2;
  c.due = 812;
  c.ivl = 10;
  c.factor = 2500;
  c.reps = 5;
  c.data = "{}";
  return c;
}

note_row sample_note(std::int64_t id, std::int32_t usn, std::string flds) {
  note_row n;
  n.id = id;
  n.guid = "f#Q0x!l2Cp";
  n.mid = 1'600'000'000'000;
  n.mod = 1'700'000'000;
  n.usn = usn;
  n.tags = " tag1 ";
  n.flds = std::move(flds);
  return n;
}

} // namespace

TEST_CASE("a new collection has schema 18's tables, columns and indexes") {
  temp_dir dir;
  auto col = new_collection(dir);
  sqlite3* db = col.handle();

  const std::map<std::string, std::vector<std::string>> expected = {
      {"col",
       {"id integer 0 1", "crt integer 1 0", "mod integer 1 0", "scm integer 1 0",
        "ver integer 1 0", "dty integer 1 0", "usn integer 1 0", "ls integer 1 0",
        "conf text 1 0", "models text 1 0", "decks text 1 0", "dconf text 1 0", "tags text 1 0"}},
      {"notes",
       {"id integer 0 1", "guid text 1 0", "mid integer 1 0", "mod integer 1 0", "usn integer 1 0",
        "tags text 1 0", "flds text 1 0", "sfld integer 1 0", "csum integer 1 0",
        "flags integer 1 0", "data text 1 0"}},
      {"cards",
       {"id integer 0 1", "nid integer 1 0", "did integer 1 0", "ord integer 1 0",
        "mod integer 1 0", "usn integer 1 0", "type integer 1 0", "queue integer 1 0",
        "due integer 1 0", "ivl integer 1 0", "factor integer 1 0", "reps integer 1 0",
        "lapses integer 1 0", "left integer 1 0", "odue integer 1 0", "odid integer 1 0",
        "flags integer 1 0", "data text 1 0"}},
      {"revlog",
       {"id integer 0 1", "cid integer 1 0", "usn integer 1 0", "ease integer 1 0",
        "ivl integer 1 0", "lastIvl integer 1 0", "factor integer 1 0", "time integer 1 0",
        "type integer 1 0"}},
      {"graves", {"oid integer 1 1", "type integer 1 2", "usn integer 1 0"}},
      {"deck_config",
       {"id integer 1 1", "name text 1 0", "mtime_secs integer 1 0", "usn integer 1 0",
        "config blob 1 0"}},
      {"config",
       {"KEY text 1 1", "usn integer 1 0", "mtime_secs integer 1 0", "val blob 1 0"}},
      {"fields", {"ntid integer 1 1", "ord integer 1 2", "name text 1 0", "config blob 1 0"}},
      {"templates",
       {"ntid integer 1 1", "ord integer 1 2", "name text 1 0", "mtime_secs integer 1 0",
        "usn integer 1 0", "config blob 1 0"}},
      {"notetypes",
       {"id integer 1 1", "name text 1 0", "mtime_secs integer 1 0", "usn integer 1 0",
        "config blob 1 0"}},
      {"decks",
       {"id integer 1 1", "name text 1 0", "mtime_secs integer 1 0", "usn integer 1 0",
        "common blob 1 0", "kind blob 1 0"}},
      {"tags",
       {"tag text 1 1", "usn integer 1 0", "collapsed boolean 1 0", "config blob 0 0"}},
  };
  auto tables = query_rows(db, "select name from sqlite_master where type = 'table'"
                               " and name not like 'sqlite_%' order by name");
  std::vector<std::string> names;
  for (auto& row : tables) names.push_back(row[0]);
  std::vector<std::string> expected_names;
  for (auto& [name, cols] : expected) expected_names.push_back(name);
  CHECK(names == expected_names);
  for (auto& [name, cols] : expected) {
    INFO(name);
    CHECK(columns_of(db, name) == cols);
  }
  for (std::string t : {"graves", "config", "fields", "templates", "tags"}) {
    INFO(t);
    CHECK(without_rowid(db, t));
  }
  for (std::string t : {"col", "notes", "cards", "revlog", "deck_config", "notetypes", "decks"}) {
    INFO(t);
    CHECK_FALSE(without_rowid(db, t));
  }

  // Name columns compare with unicase.
  for (auto [table, column] : {std::pair{"deck_config", "name"}, {"tags", "tag"},
                               {"fields", "name"}, {"templates", "name"},
                               {"notetypes", "name"}, {"decks", "name"}}) {
    auto sql = query_rows(db, std::string("select sql from sqlite_master where name = '") +
                                  table + "'")[0][0];
    INFO(table);
    CHECK(lower(sql).find(std::string(column) + " text not null") != std::string::npos);
    CHECK(lower(sql).find("collate unicase") != std::string::npos);
  }

  // name -> "unique columns [partial]"
  const std::map<std::string, std::string> expected_indexes = {
      {"ix_notes_usn", "0 usn"},           {"ix_cards_usn", "0 usn"},
      {"ix_revlog_usn", "0 usn"},          {"ix_cards_nid", "0 nid"},
      {"ix_cards_sched", "0 did,queue,due"}, {"ix_revlog_cid", "0 cid"},
      {"ix_notes_csum", "0 csum"},         {"idx_notes_mid", "0 mid"},
      {"idx_cards_odid", "0 odid partial"}, {"idx_notetypes_name", "1 name"},
      {"idx_notetypes_usn", "0 usn"},      {"idx_fields_name_ntid", "1 name,ntid"},
      {"idx_templates_name_ntid", "1 name,ntid"}, {"idx_templates_usn", "0 usn"},
      {"idx_decks_name", "1 name"},        {"idx_graves_pending", "0 usn"},
  };
  std::map<std::string, std::string> indexes;
  for (auto& row : query_rows(db, "select name, tbl_name from sqlite_master where type = 'index'"
                                  " and name not like 'sqlite_autoindex%'")) {
    auto info = query_rows(db, "select \"unique\", partial from pragma_index_list('" + row[1] +
                                   "') where name = '" + row[0] + "'");
    std::string cols;
    for (auto& c : query_rows(db, "select name from pragma_index_info('" + row[0] + "') order by seqno"))
      cols += (cols.empty() ? "" : ",") + c[0];
    indexes[row[0]] = info[0][0] + " " + cols + (info[0][1] == "1" ? " partial" : "");
  }
  CHECK(indexes == expected_indexes);

  CHECK(col.integrity_check().value() == "ok");
}

TEST_CASE("a new collection holds what the official server gives a new user") {
  temp_dir dir;
  auto col = new_collection(dir);
  sqlite3* db = col.handle();

  auto c = col.read_col();
  REQUIRE(c);
  CHECK(c->ver == 18);
  CHECK(c->mod == 0);
  CHECK(c->usn == 0);
  CHECK(c->ls == 0);
  CHECK(c->scm == created_ms);
  CHECK(c->crt == creation_day_start(created_ms / 1000));
  CHECK(query_rows(db, "select id, dty, conf, models, decks, dconf, tags from col") ==
        rows{{"1", "0", "", "", "", "", ""}});

  auto config = col.all_config();
  REQUIRE(config);
  std::map<std::string, std::string> values;
  for (auto& e : *config) {
    values[e.key] = e.value;
    if (e.key == "curModel") {
      CHECK(e.usn == -1);
      CHECK(e.mtime_secs == created_ms / 1000);
    } else {
      CHECK(e.usn == 0);
      CHECK(e.mtime_secs == 0);
    }
  }
  const std::map<std::string, std::string> expected = {
      {"activeDecks", "[1]"},      {"curDeck", "1"},          {"newSpread", "0"},
      {"collapseTime", "1200"},    {"timeLim", "0"},          {"estTimes", "true"},
      {"dueCounts", "true"},       {"nextPos", "1"},          {"sortType", "\"noteFld\""},
      {"sortBackwards", "false"},  {"addToCur", "true"},      {"dayLearnFirst", "false"},
      {"schedVer", "2"},           {"creationOffset", "null"}, {"sched2021", "true"},
      {"curModel", query_rows(db, "select min(id) from notetypes")[0][0]},
  };
  CHECK(values == expected);
  CHECK(query_rows(db, "select typeof(val) from config group by 1") == rows{{"blob"}});

  // The default deck and deck config (written by default_objects.cpp).
  CHECK(query_rows(db, "select id, name from decks where id = 1") == rows{{"1", "Default"}});
  CHECK(query_rows(db, "select id, name from deck_config where id = 1") == rows{{"1", "Default"}});
  CHECK(query_rows(db, "select name from notetypes where id = " + values["curModel"]) ==
        rows{{"Basic"}});

  auto counts = col.counts();
  REQUIRE(counts);
  CHECK(counts->cards == 0);
  CHECK(counts->notes == 0);
  CHECK(counts->revlog == 0);
  CHECK(counts->graves == 0);
  CHECK(counts->decks == 1);
  CHECK(counts->deck_config == 1);
  CHECK(counts->notetypes == 6);
  CHECK(col.all_tags().value().empty());
  // Nothing but curModel (config is not checked) is pending.
  CHECK(col.table_with_pending_row().value() == std::nullopt);
  CHECK(query_rows(db, "pragma journal_mode") == rows{{"wal"}});
  CHECK(query_rows(db, "pragma page_size") == rows{{"4096"}});
}

TEST_CASE("creation time starts at 04:00 local, the day before when earlier") {
  const std::int64_t now = 1'700'000'000;
  const std::int64_t crt = creation_day_start(now);
  CHECK(crt <= now);
  CHECK(now - crt < 86'400);
  // Whatever the zone, the result is a local 04:00.
  std::time_t t = crt;
  std::tm local{};
  localtime_r(&t, &local);
  CHECK(local.tm_hour == 4);
  CHECK(local.tm_min == 0);
  CHECK(creation_day_start(crt) == crt);
  CHECK(creation_day_start(crt - 1) == crt - 86'400);
}

TEST_CASE("reopening keeps the collection, bad versions are refused") {
  temp_dir dir;
  {
    auto col = new_collection(dir);
    REQUIRE(col.set_usn(7));
  }
  {
    auto col = collection::open(dir / "collection.anki2");
    REQUIRE(col);
    CHECK(col->read_col()->usn == 7);
    CHECK(col->read_col()->scm == created_ms);
  }

  auto set_ver = [&](int ver) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "collection.anki2").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, ("update col set ver = " + std::to_string(ver)).c_str(), nullptr,
                         nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  };
  for (int ver : {10, 12, 13, 19}) {
    INFO(ver);
    set_ver(ver);
    auto col = collection::open(dir / "collection.anki2");
    REQUIRE_FALSE(col);
    CHECK(col.error().code == storage_errc::corrupt);
  }
  for (int ver : {11, 14, 17}) {
    INFO(ver);
    set_ver(ver);
    auto col = collection::open(dir / "collection.anki2");
    REQUIRE_FALSE(col);
    CHECK(col.error().code == storage_errc::invalid);
    CHECK(col.error().message.find("needs upgrade") != std::string::npos);
  }
}

TEST_CASE("a file without a col table is refused when creating is off") {
  temp_dir dir;
  {
    std::ofstream(dir / "other.db") << "";
  }
  collection_options options;
  options.create_if_missing = false;
  auto col = collection::open(dir / "other.db", options);
  REQUIRE_FALSE(col);
  CHECK(col.error().code == storage_errc::corrupt);

  {
    std::ofstream(dir / "garbage.anki2") << "fake data, not SQLite at all, long enough to matter";
  }
  auto garbage = collection::open(dir / "garbage.anki2");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == storage_errc::corrupt);
}

TEST_CASE("cards, notes and revlog entries round-trip") {
  temp_dir dir;
  auto col = new_collection(dir);

  auto card = sample_card(1'700'000'000'001, 5);
  card.odue = -3;
  card.flags = 4;
  REQUIRE(col.put_card(card));
  CHECK(col.get_card(card.id).value() == card);
  CHECK(col.get_card(42).value() == std::nullopt);
  card.queue = -1;
  REQUIRE(col.put_card(card)); // replace
  CHECK(col.get_card(card.id).value()->queue == -1);

  revlog_row entry{1'724'312'000'123, card.id, 57, 3, 10, -600, 2500, 6120, 1};
  CHECK(col.add_revlog(entry).value());
  auto changed = entry;
  changed.ease = 1;
  CHECK_FALSE(col.add_revlog(changed).value()); // never updated
  CHECK(col.get_revlog(entry.id).value() == entry);
}

TEST_CASE("notes are stored as Anki's sync stores them") {
  temp_dir dir;
  auto col = new_collection(dir);

  auto note = sample_note(100, 3, "<b>front</b>\x1f" "back\x01");
  note.tags = "  b  a\u3000c ";
  note.flags = 9;
  note.data = "junk";
  auto stored = col.put_note(note, {2, 0});
  REQUIRE(stored);
  CHECK(stored->flds == "<b>front</b>\x1f" "back");
  CHECK(stored->sfld == "front");
  CHECK(stored->csum == 0x1b78eb3bu); // first 4 bytes of sha1("front")
  CHECK(stored->tags == " b a c ");
  CHECK(stored->flags == 0);
  CHECK(stored->data == "");
  CHECK(col.get_note(100).value() == *stored);

  // The sort field may be another field; numeric text comes back as text.
  auto numeric = sample_note(101, 3, "x\x1f" "42");
  auto stored_numeric = col.put_note(numeric, {2, 1});
  REQUIRE(stored_numeric);
  CHECK(col.get_note(101).value()->sfld == "42");
  CHECK(query_rows(col.handle(), "select typeof(sfld) from notes where id = 101") ==
        rows{{"integer"}});

  // The field count must match the notetype (at least one field).
  auto wrong = col.put_note(sample_note(102, 3, "only one"), {2, 0});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == storage_errc::invalid);
  CHECK(col.put_note(sample_note(103, 3, "x"), {0, 0}));
  CHECK(col.get_note(102).value() == std::nullopt);
}

TEST_CASE("pending rows are usn >= min, or exactly -1") {
  temp_dir dir;
  auto col = new_collection(dir);
  for (auto [id, usn] : {std::pair{1, 0}, {2, 3}, {3, 4}, {4, -1}})
    REQUIRE(col.put_card(sample_card(id, usn)));
  auto sorted = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  CHECK(sorted(col.pending_ids(synced_table::cards, 3).value()) == std::vector<std::int64_t>{2, 3});
  CHECK(sorted(col.pending_ids(synced_table::cards, 0).value()) ==
        std::vector<std::int64_t>{1, 2, 3});
  CHECK(col.pending_ids(synced_table::cards, -1).value() == std::vector<std::int64_t>{4});
  CHECK(col.pending_ids(synced_table::notes, 0).value().empty());

  REQUIRE(col.put_note(sample_note(10, 2, "a\x1f" "b"), {2, 0}));
  CHECK(col.pending_ids(synced_table::notes, 2).value() == std::vector<std::int64_t>{10});
  REQUIRE(col.add_revlog({20, 1, 9, 1, 1, 1, 1, 1, 1}));
  CHECK(col.pending_ids(synced_table::revlog, 9).value() == std::vector<std::int64_t>{20});
  CHECK(col.pending_ids(synced_table::revlog, 10).value().empty());

  CHECK(col.table_with_pending_row().value() == std::optional<std::string>("cards"));
}

TEST_CASE("deleting records a grave that keeps its first usn") {
  temp_dir dir;
  auto col = new_collection(dir);
  REQUIRE(col.put_card(sample_card(1, 0)));
  REQUIRE(col.put_note(sample_note(2, 0, "a\x1f" "b"), {2, 0}));
  REQUIRE(col.put_card(sample_card(3, 0))); // a card of note 2: stays

  REQUIRE(col.remove_note(2, 5));
  REQUIRE(col.remove_card(1, 5));
  REQUIRE(col.remove_deck(1, 6));
  REQUIRE(col.remove_card(99, 6)); // unknown ids still get a grave
  CHECK(col.get_note(2).value() == std::nullopt);
  CHECK(col.get_card(1).value() == std::nullopt);
  CHECK(col.get_card(3).value() != std::nullopt);
  CHECK(query_rows(col.handle(), "select count() from decks where id = 1") == rows{{"0"}});

  // A second deletion of the same object keeps the old grave and usn.
  REQUIRE(col.remove_note(2, 9));
  CHECK(col.counts().value().graves == 4);
  CHECK(query_rows(col.handle(), "select usn from graves where oid = 2 and type = 1") ==
        rows{{"5"}});

  auto graves = col.pending_graves(6);
  REQUIRE(graves);
  CHECK(graves->cards == std::vector<std::int64_t>{99});
  CHECK(graves->notes.empty());
  CHECK(graves->decks == std::vector<std::int64_t>{1});
  auto all = col.pending_graves(0).value();
  std::sort(all.cards.begin(), all.cards.end());
  CHECK(all == graves_by_kind{{1, 99}, {2}, {1}});
  CHECK(col.pending_graves(-1).value() == graves_by_kind{});
}

TEST_CASE("tags register once, case-insensitively, in their parent's case") {
  temp_dir dir;
  auto col = new_collection(dir);

  auto first = col.register_tag("Foo", 3);
  REQUIRE(first);
  CHECK(first->name == "Foo");
  CHECK(first->added);
  auto again = col.register_tag("FOO", 4);
  CHECK(again.value().name == "Foo");
  CHECK_FALSE(again.value().added);
  // unicase, not just ASCII case: ß folds to ss.
  REQUIRE(col.register_tag("straße", 3));
  CHECK(col.register_tag("STRASSE", 3).value().name == "straße");

  CHECK(col.register_tag("foo::Bar::baz", 5).value().name == "Foo::Bar::baz");
  REQUIRE(col.register_tag("x::y", 5));
  CHECK(col.register_tag("X::Y::z", 5).value().name == "x::y::z");
  CHECK(col.register_tag(" a b ", 5).value().name == "ab");
  CHECK(col.register_tag("", 5).value().name == "blank");

  CHECK(query_rows(col.handle(), "select usn, collapsed from tags where tag = 'Foo'") ==
        rows{{"3", "1"}});
  auto pending = col.pending_tags(5).value();
  std::sort(pending.begin(), pending.end());
  CHECK(pending == std::vector<std::string>{"Foo::Bar::baz", "ab", "blank", "x::y", "x::y::z"});
  CHECK(col.pending_tags(-1).value().empty());
}

TEST_CASE("config entries are replaced wholesale and their usns reset") {
  temp_dir dir;
  auto col = new_collection(dir);
  std::vector<config_entry> entries = {{"curDeck", 7, 100, "1"}, {"zeta", 7, 100, "{\"a\":[]}"},
                                       {"empty", 7, 100, ""}};
  REQUIRE(col.replace_config(entries));
  std::sort(entries.begin(), entries.end(),
            [](auto& a, auto& b) { return a.key < b.key; });
  CHECK(col.all_config().value() == entries);
  CHECK(query_rows(col.handle(), "select typeof(val) from config where KEY = 'empty'") ==
        rows{{"blob"}});

  REQUIRE(col.set_config({"other", -1, 5, "true"}));
  CHECK(col.get_config("other").value()->usn == -1);
  REQUIRE(col.clear_config_usns());
  auto cleared = col.all_config();
  REQUIRE(cleared);
  for (auto& e : *cleared) CHECK(e.usn == 0);
  CHECK(col.get_config("missing").value() == std::nullopt);
}

TEST_CASE("col fields are set one by one") {
  temp_dir dir;
  auto col = new_collection(dir);
  REQUIRE(col.set_usn(12));
  REQUIRE(col.set_mod(1'724'312'401'234));
  REQUIRE(col.set_ls(1'724'312'401'000));
  REQUIRE(col.set_crt(1'600'000'000));
  REQUIRE(col.set_scm(1'724'000'000'000));
  CHECK(col.read_col().value() ==
        col_row{1'600'000'000, 1'724'312'401'234, 1'724'000'000'000, 18, 12, 1'724'312'401'000});
}

TEST_CASE("a rolled-back session leaves the file as it was") {
  temp_dir dir;
  const auto file = dir / "collection.anki2";
  std::string before_rows;
  {
    auto col = new_collection(dir);
    REQUIRE(col.put_card(sample_card(1, 0)));
    before_rows = dump_tables(col.handle());
  }
  const std::string before_bytes = read_file(file); // closed: WAL checkpointed

  {
    auto col = collection::open(file);
    REQUIRE(col);
    REQUIRE(col->begin());
    CHECK(col->in_transaction());
    CHECK_FALSE(col->begin()); // one session transaction at a time
    REQUIRE(col->put_card(sample_card(2, 1)));
    REQUIRE(col->put_note(sample_note(3, 1, "a\x1f" "b"), {2, 0}));
    REQUIRE(col->add_revlog({4, 2, 1, 1, 1, 1, 1, 1, 1}));
    REQUIRE(col->remove_card(1, 1));
    REQUIRE(col->register_tag("t", 1));
    REQUIRE(col->replace_config({}));
    REQUIRE(col->set_usn(1));
    REQUIRE(col->set_mod(99));
    CHECK(dump_tables(col->handle()) != before_rows);
    // Another connection still sees the last commit meanwhile.
    {
      auto reader = collection::open(file);
      REQUIRE(reader);
      CHECK(dump_tables(reader->handle()) == before_rows);
    }
    REQUIRE(col->rollback());
    CHECK_FALSE(col->in_transaction());
    CHECK(dump_tables(col->handle()) == before_rows);
    REQUIRE(col->rollback()); // harmless when nothing is open
  }
  CHECK(read_file(file) == before_bytes);

  // Dropping the collection mid-session rolls back as well.
  {
    auto col = collection::open(file);
    REQUIRE(col);
    REQUIRE(col->begin());
    REQUIRE(col->put_card(sample_card(5, 1)));
  }
  auto col = collection::open(file);
  REQUIRE(col);
  CHECK(dump_tables(col->handle()) == before_rows);

  // And a committed session stays.
  REQUIRE(col->begin());
  REQUIRE(col->put_card(sample_card(6, 1)));
  REQUIRE(col->commit());
  CHECK_FALSE(col->commit());
  CHECK(col->get_card(6).value() != std::nullopt);
}

TEST_CASE("the collection reports its file size") {
  temp_dir dir;
  auto col = new_collection(dir);
  auto size = col.file_size();
  REQUIRE(size);
  CHECK(*size > 0);
  CHECK(*size % 4096 == 0);
}
