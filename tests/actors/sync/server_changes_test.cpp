#include "tests/actors/sync/sync_test_support.hpp"

#include "storage/deck_config_table.hpp"
#include "storage/decks_table.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_notetype.hpp"

#include <map>

using namespace ankisync;
using namespace ankisync::actors::sync;
using namespace ankisync::actors::sync::test;

namespace {

// Marks a stored object changed on the server at `usn`, with mtime `mod`.
void touch_notetype(server& s, const std::string& name, std::int32_t usn, std::int64_t mod) {
  auto nt = storage::get_notetype_by_name(s.db(), name);
  REQUIRE(nt);
  REQUIRE(*nt);
  (*nt)->usn = usn;
  (*nt)->mtime_secs = mod;
  REQUIRE(storage::put_notetype(s.db(), **nt));
}
void touch_deck(server& s, std::int64_t id, std::int32_t usn, std::int64_t mod) {
  auto d = storage::get_deck(s.db(), id);
  REQUIRE(d);
  REQUIRE(*d);
  (*d)->usn = usn;
  (*d)->mtime_secs = mod;
  REQUIRE(storage::put_deck(s.db(), **d));
}
void touch_deck_config(server& s, std::int64_t id, std::int32_t usn, std::int64_t mod) {
  auto c = storage::get_deck_config(s.db(), id);
  REQUIRE(c);
  REQUIRE(*c);
  (*c)->usn = usn;
  (*c)->mtime_secs = mod;
  REQUIRE(storage::put_deck_config(s.db(), **c));
}

storage::notetype_row notetype(server& s, std::int64_t id) {
  auto nt = storage::get_notetype(s.db(), id);
  REQUIRE(nt);
  REQUIRE(*nt);
  return **nt;
}
storage::deck_row deck(server& s, std::int64_t id) {
  auto d = storage::get_deck(s.db(), id);
  REQUIRE(d);
  REQUIRE(*d);
  return **d;
}
storage::deck_config_row deck_config(server& s, std::int64_t id) {
  auto c = storage::get_deck_config(s.db(), id);
  REQUIRE(c);
  REQUIRE(*c);
  return **c;
}

std::map<std::string, storage::config_entry> config_of(server& s) {
  auto all = s.c().all_config();
  REQUIRE(all);
  std::map<std::string, storage::config_entry> out;
  for (auto& e : *all)
    out[e.key] = e;
  return out;
}

std::string tag_usn(server& s, const std::string& name) {
  auto r = query_rows(s.db(), "select usn from tags where tag = '" + name + "' collate binary");
  return r.empty() ? "none" : r[0][0];
}

// A server at usn 5 whose client last synced at usn 5.
struct synced_server : server {
  synced_server() { set_usn(5); }
};

} // namespace

TEST_CASE("applyChanges returns the server's pending notetypes, decks, deck configs and tags") {
  synced_server s;
  touch_notetype(s, "Basic", 5, 1'700'000'100);
  touch_notetype(s, "Cloze", 4, 1'700'000'100); // seen by the client already
  touch_deck(s, 1, 5, 1'700'000'100);
  touch_deck_config(s, 1, 5, 1'700'000'100);
  REQUIRE(s.c().register_tag("servertag", 5));
  REQUIRE(s.c().register_tag("oldtag", 4));
  s.start(5, true);

  auto ours = s.apply_changes({});
  CHECK(names_of(ours.models) == std::set<std::string>{"Basic"});
  CHECK(names_of(ours.decks) == std::set<std::string>{"Default"});
  CHECK(names_of(ours.deck_configs) == std::set<std::string>{"Default"});
  CHECK(ours.tags == std::vector<std::string>{"servertag"});
  // Sent with the usn they are stored with.
  CHECK(boost::json::parse(ours.models[0]).at("usn").as_int64() == 5);
  CHECK(boost::json::parse(ours.models[0]).at("mod").as_int64() == 1'700'000'100);
  CHECK(boost::json::parse(ours.decks[0]).at("usn").as_int64() == 5);
  CHECK(boost::json::parse(ours.deck_configs[0]).at("usn").as_int64() == 5);
}

TEST_CASE("applyChanges does not echo the client's own changes back") {
  synced_server s;
  touch_deck(s, 1, 5, 1'700'000'100);
  s.start(5, true);

  protocol::changes_entry theirs;
  auto nt = notetype_json(s.c(), "Basic");
  nt["id"] = 1'800'000'000'000;
  nt["name"] = "Client type";
  nt["usn"] = 5;
  nt["mod"] = 1'700'000'200;
  theirs.models.push_back(text(nt));
  auto d = deck_json(s.c(), "Default");
  d["id"] = 1'800'000'000'001;
  d["name"] = "Client deck";
  d["usn"] = 5;
  d["mod"] = 1'700'000'200;
  theirs.decks.push_back(text(d));
  auto dc = deck_config_json(s.c(), "Default");
  dc["id"] = 1'800'000'000'002;
  dc["name"] = "Client options";
  dc["usn"] = 5;
  dc["mod"] = 1'700'000'200;
  theirs.deck_configs.push_back(text(dc));
  theirs.tags = {"clienttag"};

  auto ours = s.apply_changes(theirs);
  CHECK(ours.models.empty());
  CHECK(names_of(ours.decks) == std::set<std::string>{"Default"});
  CHECK(ours.deck_configs.empty());
  CHECK(ours.tags.empty());
  // ...though all of it was stored.
  CHECK(notetype(s, 1'800'000'000'000).name == "Client type");
  CHECK(deck(s, 1'800'000'000'001).name == "Client deck");
  CHECK(deck_config(s, 1'800'000'000'002).name == "Client options");
  CHECK(tag_usn(s, "clienttag") == "5");
}

TEST_CASE("applyChanges sends config and crt when the client is not newer, and resets config usns") {
  synced_server s;
  REQUIRE(s.c().set_crt(1'600'000'000));
  // A new collection holds curModel at usn -1.
  REQUIRE(config_of(s).at("curModel").usn == -1);
  s.start(5, false);

  auto reply = ok(s.apply_changes_raw({}));
  auto o = boost::json::parse(reply).as_object();
  REQUIRE(o.contains("conf"));
  REQUIRE(o.contains("crt"));
  CHECK(o.at("crt").as_int64() == 1'600'000'000);
  auto& conf = o.at("conf").as_object();
  CHECK(conf.size() == config_of(s).size());
  CHECK(conf.at("schedVer").as_int64() == 2);
  CHECK(conf.at("curDeck").as_int64() == 1);
  CHECK(conf.at("creationOffset").is_null());
  CHECK(conf.at("sortType").as_string() == "noteFld");
  CHECK(conf.at("activeDecks") == boost::json::array{1});
  for (auto& [key, e] : config_of(s)) {
    INFO(key);
    CHECK(e.usn == 0);
  }
}

TEST_CASE("applyChanges sends no config or crt when the client is newer") {
  synced_server s;
  s.start(5, true);
  auto reply = ok(s.apply_changes_raw({}));
  auto o = boost::json::parse(reply).as_object();
  CHECK_FALSE(o.contains("conf"));
  CHECK_FALSE(o.contains("crt"));
  CHECK(o.at("models").as_array().empty());
  CHECK(o.at("decks") == boost::json::array{boost::json::array{}, boost::json::array{}});
  CHECK(o.at("tags").as_array().empty());
  // The config was not sent, so its usns stay.
  CHECK(config_of(s).at("curModel").usn == -1);
}

TEST_CASE("a newer client's config replaces the whole config table, and its crt is taken") {
  synced_server s;
  s.start(5, true);
  protocol::changes_entry theirs;
  theirs.conf = std::vector<std::pair<std::string, std::string>>{
      {"curDeck", "7"}, {"myAddon", R"({"a":[1,2]})"}, {"schedVer", "2"}};
  theirs.crt = 1'500'000'000;
  s.apply_changes(theirs);

  auto conf = config_of(s);
  REQUIRE(conf.size() == 3);
  CHECK(conf.at("curDeck") == storage::config_entry{"curDeck", 5, now_secs, "7"});
  CHECK(conf.at("myAddon").value == R"({"a":[1,2]})");
  CHECK(conf.at("schedVer").value == "2");
  for (auto& [key, e] : conf) {
    CHECK(e.usn == 5);
    CHECK(e.mtime_secs == now_secs);
  }
  CHECK(s.col_row().crt == 1'500'000'000);
}

TEST_CASE("a newer notetype, deck or deck config replaces the server's but an older one does not") {
  synced_server s;
  const auto basic = basic_id(s.c());
  touch_notetype(s, "Basic", 3, 1'700'000'100);
  touch_deck(s, 1, 3, 1'700'000'100);
  touch_deck_config(s, 1, 3, 1'700'000'100);
  s.start(5, true);

  auto nt = notetype_json(s.c(), "Basic");
  auto d = deck_json(s.c(), "Default");
  auto dc = deck_config_json(s.c(), "Default");

  SECTION("older: the server's copy stays") {
    nt["mod"] = d["mod"] = dc["mod"] = 1'700'000'099;
    nt["name"] = "Older type";
    d["name"] = "Older deck";
    dc["name"] = "Older options";
    s.apply_changes({{text(nt)}, {text(d)}, {text(dc)}, {}, std::nullopt, std::nullopt});
    CHECK(notetype(s, basic).name == "Basic");
    CHECK(notetype(s, basic).mtime_secs == 1'700'000'100);
    CHECK(deck(s, 1).name == "Default");
    CHECK(deck_config(s, 1).name == "Default");
  }
  SECTION("equal mod: the incoming copy wins the tie") {
    nt["mod"] = d["mod"] = dc["mod"] = 1'700'000'100;
    nt["name"] = "Tied type";
    d["name"] = "Tied deck";
    dc["name"] = "Tied options";
    // Stamped by a client whose meta saw usn 4 (another device synced
    // since).
    nt["usn"] = d["usn"] = dc["usn"] = 4;
    s.apply_changes({{text(nt)}, {text(d)}, {text(dc)}, {}, std::nullopt, std::nullopt});
    CHECK(notetype(s, basic).name == "Tied type");
    CHECK(deck(s, 1).name == "Tied deck");
    CHECK(deck_config(s, 1).name == "Tied options");
    // Stored with the session's usn, so that the device that synced in
    // between (it asks from 5 next) gets them.
    CHECK(notetype(s, basic).usn == 5);
    CHECK(deck(s, 1).usn == 5);
    CHECK(deck_config(s, 1).usn == 5);
  }
  SECTION("newer: the incoming copy wins") {
    nt["mod"] = d["mod"] = dc["mod"] = 1'700'000'101;
    nt["name"] = "Newer type";
    d["name"] = "Newer deck";
    dc["name"] = "Newer options";
    s.apply_changes({{text(nt)}, {text(d)}, {text(dc)}, {}, std::nullopt, std::nullopt});
    CHECK(notetype(s, basic).name == "Newer type");
    CHECK(notetype(s, basic).mtime_secs == 1'700'000'101);
    CHECK(deck(s, 1).name == "Newer deck");
    CHECK(deck(s, 1).mtime_secs == 1'700'000'101);
    CHECK(deck_config(s, 1).name == "Newer options");
    CHECK(deck_config(s, 1).mtime_secs == 1'700'000'101);
  }
}

TEST_CASE("on an equal mod the server keeps an object it sends back, so that both sides hold it") {
  // Changed on the server since the client's last sync (usn 5 >= minUsn 5)
  // and on the client within the same second. Upstream's client takes the
  // server's copy on a tie; were the server to take the client's too, the
  // two would swap versions for good.
  synced_server s;
  const auto basic = basic_id(s.c());
  touch_notetype(s, "Basic", 5, 1'700'000'100);
  touch_deck(s, 1, 5, 1'700'000'100);
  touch_deck_config(s, 1, 5, 1'700'000'100);
  s.start(5, true);
  auto nt = notetype_json(s.c(), "Basic");
  auto d = deck_json(s.c(), "Default");
  auto dc = deck_config_json(s.c(), "Default");
  nt["name"] = "Client type";
  d["name"] = "Client deck";
  dc["name"] = "Client options";
  auto sent = s.apply_changes({{text(nt)}, {text(d)}, {text(dc)}, {}, std::nullopt, std::nullopt});
  CHECK(notetype(s, basic).name == "Basic");
  CHECK(deck(s, 1).name == "Default");
  CHECK(deck_config(s, 1).name == "Default");
  // ... and the client gets the server's copies to take.
  CHECK(sent.models.size() == 1);
  CHECK(sent.decks.size() == 1);
  CHECK(sent.deck_configs.size() == 1);
}

TEST_CASE("a notetype whose field count changed fails with notetype schema changed") {
  synced_server s;
  const auto basic = basic_id(s.c());
  s.start(5, true);
  auto nt = notetype_json(s.c(), "Basic");
  auto& flds = nt["flds"].as_array();
  auto extra = flds[1].as_object();
  extra["name"] = "Extra";
  extra["ord"] = 2;
  flds.push_back(extra);
  nt["mod"] = 1'700'000'000;
  auto r = s.apply_changes_raw({{text(nt)}, {}, {}, {}, std::nullopt, std::nullopt});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == protocol::error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::Contains("notetype schema changed"));
  CHECK(notetype(s, basic).fields.size() == 2);
}

TEST_CASE("a notetype whose template count changed fails with notetype schema changed") {
  synced_server s;
  s.start(5, true);
  auto nt = notetype_json(s.c(), "Basic");
  auto& tmpls = nt["tmpls"].as_array();
  auto extra = tmpls[0].as_object();
  extra["name"] = "Card 2";
  extra["ord"] = 1;
  tmpls.push_back(extra);
  nt["mod"] = 1'700'000'000;
  auto r = s.apply_changes_raw({{text(nt)}, {}, {}, {}, std::nullopt, std::nullopt});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == protocol::error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::Contains("notetype schema changed"));
}

TEST_CASE("an older notetype with another field count is ignored, not an error") {
  synced_server s;
  const auto basic = basic_id(s.c());
  touch_notetype(s, "Basic", 3, 1'700'000'100);
  s.start(5, true);
  auto nt = notetype_json(s.c(), "Basic");
  nt["flds"].as_array().pop_back();
  nt["mod"] = 1'700'000'000;
  s.apply_changes({{text(nt)}, {}, {}, {}, std::nullopt, std::nullopt});
  CHECK(notetype(s, basic).fields.size() == 2);
}

TEST_CASE("a new deck or notetype whose name is taken gets a plus, marked modified now") {
  synced_server s;
  s.start(5, true);
  auto nt = notetype_json(s.c(), "Basic");
  nt["id"] = 1'800'000'000'000;
  nt["name"] = "basic"; // unicase: taken by "Basic"
  nt["mod"] = 1'700'000'000;
  nt["usn"] = 5;
  auto d = deck_json(s.c(), "Default");
  d["id"] = 1'800'000'000'001;
  d["name"] = "DEFAULT";
  d["mod"] = 1'700'000'000;
  d["usn"] = 5;
  s.apply_changes({{text(nt)}, {text(d)}, {}, {}, std::nullopt, std::nullopt});

  auto new_nt = notetype(s, 1'800'000'000'000);
  CHECK(new_nt.name == "basic+");
  CHECK(new_nt.mtime_secs == now_secs);
  CHECK(new_nt.usn == 5);
  auto new_deck = deck(s, 1'800'000'000'001);
  CHECK(new_deck.name == "DEFAULT+");
  CHECK(new_deck.mtime_secs == now_secs);
  CHECK(new_deck.usn == 5);
  // The originals are untouched.
  CHECK(notetype(s, basic_id(s.c())).name == "Basic");
  CHECK(deck(s, 1).name == "Default");
}

TEST_CASE("a deck config whose name is taken keeps it: names may repeat") {
  synced_server s;
  s.start(5, true);
  auto dc = deck_config_json(s.c(), "Default");
  dc["id"] = 1'800'000'000'002;
  dc["mod"] = 1'700'000'000;
  s.apply_changes({{}, {}, {text(dc)}, {}, std::nullopt, std::nullopt});
  CHECK(deck_config(s, 1'800'000'000'002).name == "Default");
}

TEST_CASE("the client's tags are registered with the server usn while existing ones keep theirs") {
  synced_server s;
  REQUIRE(s.c().register_tag("Old", 2));
  s.start(5, true);
  s.apply_changes({{}, {}, {}, {"fresh", "old", "Old::child", "old::other", "a b"}, std::nullopt, std::nullopt});
  CHECK(tag_usn(s, "fresh") == "5");
  CHECK(tag_usn(s, "Old") == "2");
  CHECK(tag_usn(s, "old") == "none");
  CHECK(tag_usn(s, "Old::child") == "5");
  // A new child takes its existing parent's case.
  CHECK(tag_usn(s, "Old::other") == "5");
  // Normalised as upstream registers them: spaces are removed.
  CHECK(tag_usn(s, "ab") == "5");
  auto pending = s.c().pending_tags(5);
  REQUIRE(pending);
  CHECK(std::set<std::string>(pending->begin(), pending->end()) ==
        std::set<std::string>{"Old::child", "Old::other", "ab", "fresh"});
}

TEST_CASE("applyChanges refuses a malformed notetype") {
  synced_server s;
  s.start(5, true);
  auto nt = notetype_json(s.c(), "Basic");
  nt.erase("flds");
  auto r = s.apply_changes_raw({{text(nt)}, {}, {}, {}, std::nullopt, std::nullopt});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == protocol::error_code::bad_request);
}

#ifdef ANKISYNC_FIXTURES_DIR
TEST_CASE("applyChanges on the real collection sends its notetype, decks, options and config") {
  server s("schema18-real-74notes.anki2");
  const auto usn = s.col_row().usn;
  s.start(0, false);
  auto ours = s.apply_changes({});
  CHECK(ours.models.size() == 1);
  CHECK(ours.decks.size() == 3);
  CHECK(ours.deck_configs.size() == 1);
  REQUIRE(ours.conf);
  CHECK(ours.conf->size() == 16);
  REQUIRE(ours.crt);
  CHECK(*ours.crt == 1724126400);
  // What we send parses again as the client would parse it.
  for (auto& nt : ours.models)
    CHECK(storage::notetype_from_schema11_text(nt));
  for (auto& d : ours.decks)
    CHECK(storage::deck_from_schema11_text(d));
  for (auto& dc : ours.deck_configs)
    CHECK(storage::deck_config_from_schema11_text(dc));
  CHECK(usn == s.session.server_usn);
}

TEST_CASE("the real collection takes back its own notetype and decks unchanged") {
  server s("schema18-real-74notes.anki2");
  s.start(0, true);
  auto before = ok(s.apply_changes_raw({}));
  auto sent = protocol::decode_changes_entry(before);
  REQUIRE(sent);
  // The client echoes everything back with the same mod: ties go to it,
  // and nothing may change.
  protocol::changes_entry theirs{sent->models, sent->decks, sent->deck_configs, {}, std::nullopt,
                                 std::nullopt};
  s.apply_changes(theirs);
  auto again = storage::pending_notetypes_json(s.c(), 0);
  REQUIRE(again);
  CHECK(*again == sent->models);
  auto decks = storage::pending_decks_json(s.c(), 0);
  REQUIRE(decks);
  CHECK(*decks == sent->decks);
}
#endif
