#include "tests/actors/sync/sync_test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include "protocol/finish.hpp"
#include "protocol/meta.hpp"

using namespace ankisync;
using namespace ankisync::actors::sync;
using namespace ankisync::actors::sync::test;

namespace {

// The client's counts for a client holding what the server holds.
protocol::sanity_counts_entry matching(server& s) { return counts_entry(s.counts()); }

protocol::chunk_entry one_card_and_note(server& s, std::int32_t usn) {
  protocol::chunk_entry c;
  c.done = true;
  c.revlog = {revlog_entry(1'724'000'000'000, usn, 3)};
  c.cards = {card_entry(1'724'000'000'001, usn, 1'724'000'000, 1'724'000'000'002)};
  c.notes = {note_entry(1'724'000'000'002, usn, basic_id(s.c()), 1'724'000'000)};
  return c;
}

// Runs a session's writes (graves, changes, chunk) without finishing.
void unfinished_session(server& s) {
  s.start(3, true);
  ok(s.apply_graves({{10}, {}, {}}));
  protocol::changes_entry theirs;
  theirs.tags = {"sessiontag"};
  theirs.conf = std::vector<std::pair<std::string, std::string>>{{"curDeck", "1"}};
  theirs.crt = 1'500'000'000;
  s.apply_changes(theirs);
  ok(s.apply_chunk(one_card_and_note(s, 3)));
}

// Everything a sync could have touched, as text.
std::string snapshot(server& s) { return storage::test::dump_tables(s.db()); }

} // namespace

// ---- sanityCheck2 ----

TEST_CASE("the sanity check is ok when the client's counts match the server's") {
  server s;
  s.start(0, false);
  auto client = matching(s);
  auto r = s.sanity(client);
  CHECK(r.status == protocol::sanity_status::ok);
  REQUIRE(r.client);
  REQUIRE(r.server);
  CHECK(*r.client == *r.server);
  CHECK(r.server->models == 6);
  CHECK(r.server->decks == 1);
  CHECK(r.server->deck_config == 1);
  CHECK_FALSE(s.session.failed);
}

TEST_CASE("the sanity check ignores due counts and graves") {
  server s;
  REQUIRE(s.c().add_grave({5, storage::grave_kind::card}, 0));
  REQUIRE(s.c().add_grave({6, storage::grave_kind::note}, 0));
  s.start(0, false);
  auto client = matching(s);
  client.due_new = 5;
  client.due_learn = 6;
  client.due_review = 7;
  client.graves = 99; // old clients may hold duplicate graves
  auto r = s.sanity(client);
  CHECK(r.status == protocol::sanity_status::ok);
  REQUIRE(r.client);
  REQUIRE(r.server);
  // Both sides are reported with them zeroed.
  CHECK(r.client->due_new == 0);
  CHECK(r.client->due_learn == 0);
  CHECK(r.client->due_review == 0);
  CHECK(r.client->graves == 0);
  CHECK(r.server->graves == 0);
  CHECK_FALSE(s.session.failed);
}

TEST_CASE("a new collection's pending curModel config does not fail the sanity check") {
  server s;
  REQUIRE(s.c().get_config("curModel").value()->usn == -1);
  s.start(0, false);
  CHECK(s.sanity(matching(s)).status == protocol::sanity_status::ok);
}

TEST_CASE("the sanity check is bad with no server counts when a row has usn -1 (B6)") {
  server s;
  s.start(0, false);
  // A client that sent a card without stamping it.
  ok(s.apply_chunk(protocol::chunk_entry{true, {}, {card_entry(1, -1, 1'700'000'000)}, {}}));
  auto client = matching(s);
  client.due_new = 3;
  auto reply = ok(server_sanity_check({client}, s.c(), s.session));
  auto o = boost::json::parse(reply).as_object();
  CHECK(o.at("status") == "bad");
  CHECK(o.at("s").is_null());
  auto r = protocol::decode_sanity_response(reply);
  REQUIRE(r);
  CHECK(r->status == protocol::sanity_status::bad);
  CHECK_FALSE(r->server);
  // The client's counts come back as sent.
  REQUIRE(r->client);
  CHECK(*r->client == client);
  CHECK(s.session.failed);
}

TEST_CASE("a usn of -1 in any synced table fails the sanity check") {
  const char* tables[] = {"cards", "notes", "revlog", "graves", "decks", "deck_config", "tags",
                          "notetypes"};
  for (const char* table : tables) {
    INFO(table);
    server s;
    const auto basic = basic_id(s.c());
    REQUIRE(s.c().put_card(card_row(1, 0)));
    put_basic_note(s.c(), note_row(2, 0, basic));
    REQUIRE(s.c().add_revlog(revlog_row(3, 0)));
    REQUIRE(s.c().add_grave({4, storage::grave_kind::card}, 0));
    REQUIRE(s.c().register_tag("t", 0));
    s.start(0, false);
    REQUIRE(s.sanity(matching(s)).status == protocol::sanity_status::ok);
    auto sql = std::string("update ") + table + " set usn = -1";
    REQUIRE(sqlite3_exec(s.db(), sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    auto r = s.sanity(matching(s));
    CHECK(r.status == protocol::sanity_status::bad);
    CHECK_FALSE(r.server);
    CHECK(s.session.failed);
  }
}

TEST_CASE("a count mismatch makes the sanity check bad and marks the session failed") {
  for (int field = 0; field < 6; ++field) {
    INFO("field " << field);
    server s;
    s.start(0, false);
    auto client = matching(s);
    switch (field) {
    case 0: client.cards += 1; break;
    case 1: client.notes += 1; break;
    case 2: client.revlog += 1; break;
    case 3: client.models -= 1; break;
    case 4: client.decks += 1; break;
    case 5: client.deck_config += 1; break;
    }
    auto r = s.sanity(client);
    CHECK(r.status == protocol::sanity_status::bad);
    REQUIRE(r.client);
    REQUIRE(r.server);
    CHECK(*r.client == client);
    CHECK(*r.server == matching(s));
    CHECK(s.session.failed);
  }
}

TEST_CASE("the sanity check counts what the session wrote") {
  server s;
  s.start(0, true);
  ok(s.apply_chunk(one_card_and_note(s, 0)));
  auto client = matching(s);
  CHECK(client.cards == 1);
  CHECK(client.notes == 1);
  CHECK(client.revlog == 1);
  CHECK(s.sanity(client).status == protocol::sanity_status::ok);
  client.cards = 0;
  CHECK(s.sanity(client).status == protocol::sanity_status::bad);
}

// ---- finish ----

TEST_CASE("finish returns now in ms") {
  server s;
  s.start(0, false);
  auto reply = ok(server_finish(s.c(), s.session, now_ms));
  CHECK(reply == std::to_string(now_ms));
  CHECK(protocol::decode_finish_response(reply).value() == now_ms);
}

TEST_CASE("finish commits usn + 1, mod = now and ls = now") {
  server s;
  s.set_usn(41);
  const auto before = s.col_row();
  s.start(41, false);
  ok(server_finish(s.c(), s.session, now_ms));
  CHECK_FALSE(s.c().in_transaction());
  // Committed: a fresh connection sees it.
  s.reopen();
  auto after = s.col_row();
  CHECK(after.usn == 42);
  CHECK(after.mod == now_ms);
  CHECK(after.ls == now_ms);
  CHECK(after.scm == before.scm);
  CHECK(after.crt == before.crt);
}

TEST_CASE("after finish meta reports the returned mod and the next usn (B7)") {
  server s;
  s.set_usn(3);
  auto before = read_committed_state(s.c());
  REQUIRE(before);
  s.start(3, true);
  ok(s.apply_chunk(one_card_and_note(s, 3)));
  auto t = protocol::decode_finish_response(ok(server_finish(s.c(), s.session, now_ms)));
  REQUIRE(t);
  auto after = read_committed_state(s.c());
  REQUIRE(after);
  auto meta = protocol::decode_meta_response(
      ok(server_meta({11, "anki,25.02 (abc1234),linux"}, *after, 0, {}, now_ms + 1000)));
  REQUIRE(meta);
  CHECK(meta->mod == *t);
  CHECK(meta->usn == before->usn + 1);
  CHECK(meta->scm == before->scm);
  CHECK_FALSE(meta->empty);
}

TEST_CASE("finish commits every write of the session") {
  server s;
  REQUIRE(s.c().put_card(card_row(10, 0)));
  s.set_usn(3);
  unfinished_session(s);
  ok(server_finish(s.c(), s.session, now_ms));
  s.reopen();
  CHECK_FALSE(s.c().get_card(10).value());
  CHECK(s.counts().graves == 1);
  CHECK(s.counts().cards == 1);
  CHECK(s.counts().notes == 1);
  CHECK(s.counts().revlog == 1);
  CHECK(s.col_row().crt == 1'500'000'000);
  CHECK(s.c().all_config().value().size() == 1);
  CHECK(s.c().pending_tags(3).value() == std::vector<std::string>{"sessiontag"});
}

TEST_CASE("closing the collection without finish leaves nothing of the session") {
  server s;
  REQUIRE(s.c().put_card(card_row(10, 0)));
  s.set_usn(3);
  const auto before = snapshot(s);
  unfinished_session(s);
  REQUIRE(snapshot(s) != before);
  s.reopen();
  CHECK(snapshot(s) == before);
}

TEST_CASE("a crash before finish leaves nothing of the session") {
  // The process dies mid-session: no destructor, no rollback, the SQLite
  // connection simply vanishes. The next open must see the last commit.
  server s;
  REQUIRE(s.c().put_card(card_row(10, 0)));
  s.set_usn(3);
  const auto before = snapshot(s);
  // The child opens its own connection: SQLite connections must not
  // cross a fork.
  s.col.reset();
  std::fflush(nullptr);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Failures only show in the exit status.
    try {
      s.col.emplace(open_collection(s.file));
      unfinished_session(s);
      _exit(s.counts().cards == 1 && s.counts().notes == 1 ? 0 : 3);
    } catch (...) {
      _exit(2);
    }
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  s.reopen();
  CHECK(snapshot(s) == before);
  CHECK(s.col_row().usn == 3);
}

TEST_CASE("a crash right after finish keeps the data together with the new mod") {
  server s;
  s.set_usn(3);
  s.col.reset();
  std::fflush(nullptr);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      s.col.emplace(open_collection(s.file));
      unfinished_session(s);
      if (!server_finish(s.c(), s.session, now_ms))
        _exit(4);
    } catch (...) {
      _exit(2);
    }
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  s.reopen();
  auto row = s.col_row();
  CHECK(row.mod == now_ms);
  CHECK(row.ls == now_ms);
  CHECK(row.usn == 4);
  CHECK(s.counts().notes == 1);
}

TEST_CASE("a failed sanity check rolled back by the caller leaves nothing of the session") {
  server s;
  const auto before = snapshot(s);
  s.start(0, true);
  ok(s.apply_chunk(one_card_and_note(s, 0)));
  auto client = matching(s);
  client.notes = 0;
  REQUIRE(s.sanity(client).status == protocol::sanity_status::bad);
  REQUIRE(s.session.failed);
  // What the actor does on a failed check.
  REQUIRE(s.c().rollback());
  CHECK(snapshot(s) == before);
}

// ---- a whole normal sync ----

TEST_CASE("what one client sends in a sync, the next client receives in its own") {
  server s;
  const auto basic = basic_id(s.c());
  // Client 1 (in sync at usn 0, newer) sends a deck, a tag and a note.
  s.start(0, true);
  auto deck = deck_json(s.c(), "Default");
  deck["id"] = 1'800'000'000'001;
  deck["name"] = "Spanish";
  deck["mod"] = 1'724'000'000;
  protocol::changes_entry theirs;
  theirs.decks = {text(deck)};
  theirs.tags = {"verbs"};
  theirs.conf = std::vector<std::pair<std::string, std::string>>{{"curDeck", "1800000000001"}};
  theirs.crt = 1'600'000'000;
  auto ours = s.apply_changes(theirs);
  CHECK_FALSE(ours.conf);
  // The server has no cards, notes or revlog yet.
  CHECK(ok(server_chunk(s.c(), s.session)) == R"({"done":true})");
  CHECK(ok(s.apply_chunk(one_card_and_note(s, 0))) == "null");
  REQUIRE(s.sanity(matching(s)).status == protocol::sanity_status::ok);
  auto t1 = protocol::decode_finish_response(ok(server_finish(s.c(), s.session, now_ms)));
  REQUIRE(t1);
  CHECK(s.col_row().usn == 1);

  // Client 2 last synced at usn 0 too, with nothing new; it is older.
  s.start(0, false);
  auto changes = s.apply_changes({});
  CHECK(names_of(changes.decks).count("Spanish") == 1);
  CHECK(changes.tags == std::vector<std::string>{"verbs"});
  REQUIRE(changes.conf);
  REQUIRE(changes.conf->size() == 1);
  CHECK((*changes.conf)[0] == std::pair<std::string, std::string>{"curDeck", "1800000000001"});
  CHECK(changes.crt == 1'600'000'000);
  auto chunks = s.all_chunks();
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].notes.size() == 1);
  CHECK(chunks[0].cards.size() == 1);
  CHECK(chunks[0].revlog.size() == 1);
  CHECK(chunks[0].notes[0].mid == basic);
  ok(s.apply_chunk({true, {}, {}, {}}));
  REQUIRE(s.sanity(matching(s)).status == protocol::sanity_status::ok);
  auto t2 = protocol::decode_finish_response(ok(server_finish(s.c(), s.session, now_ms + 1)));
  REQUIRE(t2);
  CHECK(s.col_row().usn == 2);
  CHECK(s.col_row().mod == now_ms + 1);

  // A client that synced at usn 2 now gets nothing.
  s.start(2, false);
  auto none = s.apply_changes({});
  CHECK(none.decks.empty());
  CHECK(none.tags.empty());
  CHECK(ok(server_chunk(s.c(), s.session)) == R"({"done":true})");
}

#ifdef ANKISYNC_FIXTURES_DIR
TEST_CASE("a sync against the real collection passes the sanity check and commits") {
  server s("schema18-real-74notes.anki2");
  const auto usn = s.col_row().usn;
  s.start(usn, true);
  // The fixture's older keyless graves table keeps the first grave's usn.
  ok(s.apply_graves({{1724188868764}, {1724188868763}, {}}));
  ok(s.apply_graves({{}, {1724188868763}, {}}));
  s.apply_changes({});
  auto chunks = s.all_chunks();
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].notes.size() == 73);
  CHECK(chunks[0].cards.size() == 73);
  auto client = matching(s);
  CHECK(client.notes == 73);
  CHECK(client.cards == 73);
  REQUIRE(s.sanity(client).status == protocol::sanity_status::ok);
  ok(server_finish(s.c(), s.session, now_ms));
  s.reopen();
  CHECK(s.col_row().usn == usn + 1);
  CHECK(s.col_row().mod == now_ms);
  CHECK(s.counts().graves == 2);
  CHECK(s.c().pending_graves(usn).value() ==
        storage::graves_by_kind{{1724188868764}, {1724188868763}, {}});
  CHECK(s.c().integrity_check().value() == "ok");
}

TEST_CASE("an unfinished sync against the real collection leaves the file as it was") {
  server s("schema18-real-74notes.anki2");
  const auto before = snapshot(s);
  s.start(0, false);
  ok(s.apply_graves({{1724188868764}, {1724188868763}, {}}));
  s.apply_changes({{}, {}, {}, {"newtag"}, std::nullopt, std::nullopt});
  s.all_chunks();
  s.reopen();
  CHECK(snapshot(s) == before);
}
#endif
