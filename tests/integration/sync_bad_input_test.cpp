// Bad requests in the middle of a sync session: each gets upstream's
// status, and whatever the session wrote before is never committed. A
// later sync from a device finds exactly the state before the session.
//
// Which requests end the session follows upstream (http_server/user.rs,
// handlers.rs): the key and the JSON body are checked before the session
// is touched, so a body that does not decode, an empty or a wrong key
// leave the session as it was (the client may go on, or, once it has been
// quiet for the stall bound, another device's start has it rolled back);
// a step that fails while running drops the session and rolls it back
// (400).

#include <catch2/catch.hpp>

#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using client::sync_outcome_kind;

namespace {

template <class T>
T must(storage::result<T> r) {
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  if constexpr (!std::is_void_v<T>)
    return std::move(*r);
}

constexpr const char* no_graves = R"({"chunk":{"cards":[],"decks":[],"notes":[]}})";
constexpr std::int64_t stray_card = 4242;

enum class key_use { session, empty, other };

struct bad_request {
  std::string what;
  std::string method;
  std::string body;
  key_use key = key_use::session;
  int status = 400;
};

std::vector<bad_request> bad_requests() {
  const std::string card17 =
      R"({"chunk":{"done":true,"cards":[[1,2,1,0,1700000000,5,0,0,1,0,0,0,0,0,0,0,0]]}})";
  const std::string note12 =
      R"({"chunk":{"done":true,"notes":[[1,"g",1,1700000000,5,"","a","","",0,"",7]]}})";
  const std::string revlog7 = R"({"chunk":{"done":true,"revlog":[[1,2,5,3,1,0,2500]]}})";
  return {
      {"malformed JSON body", "applyGraves", R"({"chunk":)"},
      {"a body that is not JSON", "applyChanges", "hello"},
      {"grave ids as strings in applyGraves", "applyGraves",
       R"({"chunk":{"cards":["1"],"decks":[],"notes":[]}})"},
      {"\"done\" as a string", "applyChunk", R"({"chunk":{"done":"yes"}})"},
      {"sanity counts as a string (a legacy client's failed check)", "sanityCheck2",
       R"({"client":"bad"})"},
      {"B2: chunk with a key", "chunk", R"({"x":1})"},
      {"an applyChanges without \"tags\"", "applyChanges",
       R"({"changes":{"models":[],"decks":[[],[]]}})"},
      {"an unknown method", "nope", "{}"},
      {"a card row of 17 columns", "applyChunk", card17},
      {"a note row of 12 columns", "applyChunk", note12},
      {"a revlog row of 7 columns", "applyChunk", revlog7},
      {"B1: a stateful method with an empty session key", "applyGraves", no_graves, key_use::empty},
      {"B1: chunk with an empty session key", "chunk", "{}", key_use::empty},
      {"another session's key", "applyChunk", R"({"chunk":{"done":true}})", key_use::other, 409},
  };
}

// A session that has written something: the server's graves for `note`
// and a card that exists nowhere else. None of it may ever be committed.
void open_session_with_writes(raw_sync& raw, const std::string& key, std::int64_t note,
                              std::int32_t usn) {
  auto start = raw.call("start",
                        "{\"minUsn\":" + std::to_string(usn) + ",\"lnewer\":false,\"graves\":null}",
                        key);
  REQUIRE(start.status == 200);
  auto graves = raw.call(
      "applyGraves", "{\"chunk\":{\"cards\":[],\"decks\":[],\"notes\":[" + std::to_string(note) + "]}}",
      key);
  REQUIRE(graves.status == 200);
  REQUIRE(raw.call("applyChanges",
                   R"({"changes":{"models":[],"decks":[[],[]],"tags":["from-the-bad-session"]}})",
                   key)
              .status == 200);
  REQUIRE(raw.call("chunk", "{}", key).status == 200);
  auto chunk = raw.call("applyChunk",
                        "{\"chunk\":{\"done\":false,\"cards\":[[" + std::to_string(stray_card) +
                            ",1,1,0,1700000000," + std::to_string(usn) +
                            ",0,0,1,0,0,0,0,0,0,0,0,\"{}\"]]}}",
                        key);
  REQUIRE(chunk.status == 200);
}

} // namespace

TEST_CASE("bad requests in a session get upstream's status and nothing of the session is "
          "committed") {
  // device2 waits for each bad session to go quiet: a short stall bound.
  sync_fixture fx(seeding::now, {"--session-stall-ms", "300"});
  auto c1 = fx.connect(), c2 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");
  std::vector<client::added_note> notes;
  for (int i = 0; i < 3; ++i)
    notes.push_back(must(d1.add_note({"note " + std::to_string(i)}, {"t"})));
  REQUIRE(is(d1.sync(c1), sync_outcome_kind::normal_sync_done));
  REQUIRE(is(d2.sync(c2), sync_outcome_kind::normal_sync_done));

  raw_sync raw(fx.server(), fx.host_key());
  int round = 0;
  for (const auto& bad : bad_requests()) {
    INFO(bad.what << ": POST /sync/" << bad.method);
    const auto before = snapshot(fx.server_file());
    const auto before_counts = collection_file(fx.server_file()).counts();
    const auto usn = collection_file(fx.server_file()).col().usn;
    const std::string key = "bad" + std::to_string(++round);
    open_session_with_writes(raw, key, notes[0].note_id, usn);

    const std::string used = bad.key == key_use::session ? key
                             : bad.key == key_use::empty ? std::string()
                                                         : std::string("someone-else");
    auto r = raw.call(bad.method, bad.body, used);
    INFO("reply: " << r.status << " " << r.body);
    CHECK(r.status == bad.status);

    // Nothing half-written: the committed file is as before, row for row,
    // seen through a separate read-only connection while the server runs.
    CHECK(collection_file(fx.server_file()).counts() == before_counts);
    CHECK(snapshot(fx.server_file()) == before);
    // The session is untouched by a request refused before it ran (the
    // client could go on); the device below waits until it has been quiet
    // for the stall bound, and it is rolled back then.
    CHECK(raw.call("applyGraves", no_graves, key).status == 200);

    // A device syncing after the bad session sees exactly the state before
    // it: the note the session deleted is there, its card and tag are not.
    must(d2.set_config("round", std::to_string(round)));
    auto later = d2.sync(c2);
    INFO("device 2: " << text(later));
    REQUIRE(is(later, sync_outcome_kind::normal_sync_done));
    auto diff = differences(fx.server_file(), d2.file());
    for (const auto& line : diff)
      UNSCOPED_INFO(line);
    CHECK(diff.empty());
    collection_file server(fx.server_file());
    CHECK(server.scalar("select count() from notes where id = " +
                        std::to_string(notes[0].note_id)) == 1);
    CHECK(server.scalar("select count() from cards where id = " + std::to_string(stray_card)) == 0);
    CHECK(server.scalar("select count() from tags where tag = 'from-the-bad-session'") == 0);
    CHECK(server.scalar("select count() from graves") == 0);
    // The abandoned session is gone.
    CHECK(raw.call("applyGraves", no_graves, key).status == 409);
  }
}

TEST_CASE("a stateful call without a session gets 409 and writes nothing") {
  sync_fixture fx;
  // Seeding made the server's collection.
  const auto before = snapshot(fx.server_file());
  raw_sync raw(fx.server(), fx.host_key());
  CHECK(raw.call("applyGraves", R"({"chunk":{"cards":[1],"decks":[1],"notes":[1]}})", "none")
            .status == 409);
  CHECK(raw.call("applyChunk", R"({"chunk":{"done":true,"revlog":[[1,2,0,3,1,0,2500,100,1]]}})",
                 "none")
            .status == 409);
  CHECK(raw.call("finish", "{}", "none").status == 409);
  // After an abort, too.
  REQUIRE(raw.call("start", R"({"minUsn":0,"lnewer":false,"graves":null})", "s").status == 200);
  REQUIRE(raw.call("abort", "{}", "s").status == 200);
  CHECK(raw.call("finish", "{}", "s").status == 409);
  CHECK(snapshot(fx.server_file()) == before);
}

TEST_CASE("a step that fails while running answers 400, drops the session and rolls it back") {
  sync_fixture fx;
  auto c1 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  auto n = must(d1.add_note({"kept"}));
  REQUIRE(is(d1.sync(c1), sync_outcome_kind::normal_sync_done));
  const auto before = snapshot(fx.server_file());
  const auto usn = collection_file(fx.server_file()).col().usn;

  raw_sync raw(fx.server(), fx.host_key());
  open_session_with_writes(raw, "k", n.note_id, usn);
  // A note of a notetype the server does not have (upstream: "note
  // missing notetype", 400 so the client offers a database check).
  auto r = raw.call("applyChunk",
                    R"({"chunk":{"done":true,"notes":[[77,"g",123,1700000000,)" +
                        std::to_string(usn) + R"(,"","a","","",0,""]]}})",
                    "k");
  CHECK(r.status == 400);
  CHECK(raw.call("applyGraves", no_graves, "k").status == 409);
  CHECK(snapshot(fx.server_file()) == before);
  // A device finds nothing new.
  auto again = d1.sync(c1);
  INFO(text(again));
  CHECK(is(again, sync_outcome_kind::no_changes));
}

TEST_CASE("B3: an unknown host key gets 403 on every method but hostKey") {
  sync_fixture fx(seeding::never);
  raw_sync raw(fx.server(), "0123456789abcdef0123456789abcdef01234567");
  // Bodies a client with a valid key would send, so only the key is wrong.
  const std::vector<std::pair<const char*, std::string>> calls = {
      {"meta", R"({"v":11,"cv":"test"})"},
      {"start", R"({"minUsn":0,"lnewer":false,"graves":null})"},
      {"applyGraves", no_graves},
      {"applyChanges", R"({"changes":{"models":[],"decks":[[],[]],"tags":[]}})"},
      {"chunk", "{}"},
      {"applyChunk", R"({"chunk":{"done":true}})"},
      {"sanityCheck2", R"({"client":[[0,0,0],0,0,0,0,0,0,0]})"},
      {"finish", "{}"},
      {"abort", "{}"},
      {"upload", "SQLite format 3"},
      {"download", "{}"},
  };
  for (const auto& [method, body] : calls) {
    INFO(method);
    CHECK(raw.call(method, body, "s").status == 403);
  }
  auto login = raw.call("hostKey", R"({"u":"user","p":"pass"})", "s");
  CHECK(login.status == 200);
}

// Hidden ([.]): fails today. Upstream authenticates before it parses the
// JSON body (handlers.rs: req.json() runs inside with_authenticated_user),
// so an unknown key gets 403 whatever the body. ankisync decodes the body
// in net/ (protocol::decode_v11_request) before the gateway checks the key,
// and answers 400. Run with its name to see it.
TEST_CASE("an unknown host key gets 403 even when the body does not decode") {
  sync_fixture fx(seeding::never);
  raw_sync raw(fx.server(), "0123456789abcdef0123456789abcdef01234567");
  for (const char* method : {"meta", "start", "applyGraves", "applyChanges", "applyChunk",
                             "sanityCheck2"}) {
    INFO(method);
    CHECK(raw.call(method, "{}", "s").status == 403);
  }
}
