// Upstream's acceptance scenarios for the session rules and a fresh
// collection (protocol-collection.md §10: A1-A9, A14, A17, A18), against
// the real binary over HTTP.

#include <catch2/catch.hpp>

#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using client::sync_outcome_kind;

namespace {

constexpr const char* start_body = R"({"minUsn":0,"lnewer":false,"graves":null})";
constexpr const char* no_graves = R"({"chunk":{"cards":[],"decks":[],"notes":[]}})";

} // namespace

TEST_CASE("A1: hostKey with a wrong user or password is refused with 403") {
  sync_fixture fx(seeding::never);
  auto c = fx.connect();
  auto wrong_user = c.login("bad", "pass");
  REQUIRE(wrong_user.has_value());
  CHECK(wrong_user->status == 403);
  auto wrong_password = c.login("user", "bad");
  REQUIRE(wrong_password.has_value());
  CHECK(wrong_password->status == 403);
  // The device reports the refusal as an HTTP status (client: auth failed).
  auto d = fx.fresh_device("device");
  auto r = d.login(c, "bad", "bad");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 403);
}

TEST_CASE("A2: hostKey with user/pass returns the official server's key") {
  sync_fixture fx(seeding::never);
  auto c = fx.connect();
  auto d = fx.fresh_device("device");
  d.set_host_key("");
  REQUIRE(d.login(c, sync_user, sync_password).has_value());
  CHECK(d.host_key() == "b2619aa1529dfdc4248e6edbf3c1b2a2b014cf6d");
}

TEST_CASE("A3: meta whose body says v 0 gets 501 (client too old)") {
  sync_fixture fx(seeding::never);
  raw_sync raw(fx.server(), fx.host_key());
  CHECK(raw.call("meta", R"({"v":0,"cv":""})", "").status == 501);
}

TEST_CASE("A4: abort without a sync running answers 200") {
  sync_fixture fx(seeding::never);
  raw_sync raw(fx.server(), fx.host_key());
  auto r = raw.call("abort", "{}", "k");
  CHECK(r.status == 200);
  CHECK(r.body == "null");
}

TEST_CASE("A5: abort with another session's key and then with the right key both answer 200") {
  sync_fixture fx(seeding::never);
  raw_sync raw(fx.server(), fx.host_key());
  REQUIRE(raw.call("start", start_body, "orig").status == 200);
  CHECK(raw.call("abort", "{}", "aabbccdd").status == 200);
  CHECK(raw.call("abort", "{}", "orig").status == 200);
  // The right key did end it.
  CHECK(raw.call("applyGraves", no_graves, "orig").status == 409);
}

// Upstream's client sends each of these with a session key of its own, so
// here (docs/sync.md, "Two devices at once") each waits until the running
// session has been quiet for the stall bound, then that session is rolled
// back and the new request runs: the outcome upstream checks, delayed by
// the bound (short here).
TEST_CASE("A6-A8: a new start, an upload and a download each end the running session") {
  sync_fixture fx(seeding::never, {"--session-stall-ms", "300"});
  raw_sync raw(fx.server(), fx.host_key());

  // A6: a new sync replaces the old one; the old key gets 409.
  REQUIRE(raw.call("start", start_body, "orig").status == 200);
  REQUIRE(raw.call("start", start_body, "1").status == 200);
  CHECK(raw.call("applyGraves", no_graves, "orig").status == 409);
  CHECK(raw.call("applyGraves", no_graves, "1").status == 200);

  // A7: a full upload by the same user ends the session. The upload is a
  // real collection (a new device's file, closed so it is whole).
  std::string upload;
  {
    auto d = fx.fresh_device("uploader");
    REQUIRE(d.add_note({"front", "back"}).has_value());
    auto file = d.file();
    d = fx.fresh_device("other"); // closes the first file
    upload = read_file(file);
  }
  REQUIRE_FALSE(upload.empty());
  auto up = raw.call("upload", upload, "up");
  CHECK(up.status == 200);
  CHECK(up.body == "OK");
  CHECK(raw.call("applyGraves", no_graves, "1").status == 409);

  // A8: so does a full download.
  REQUIRE(raw.call("start", start_body, "1").status == 200);
  auto down = raw.call("download", "{}", "down");
  CHECK(down.status == 200);
  CHECK(down.body.starts_with(std::string("SQLite format 3\0", 16)));
  CHECK(raw.call("applyGraves", no_graves, "1").status == 409);
}

TEST_CASE("A9: a new collection with a note against an empty server needs a full sync") {
  sync_fixture fx(seeding::never);
  auto c1 = fx.connect();
  auto d1 = fx.fresh_device("device1");
  REQUIRE(d1.add_note({"front", "back"}).has_value());

  // Our own scm and a card, the server empty: upload only.
  auto first = d1.sync(c1);
  INFO(text(first));
  REQUIRE(is(first, sync_outcome_kind::full_sync_required));
  CHECK(first->full == client::full_sync_choice{true, false});
  auto up = d1.full_upload(c1);
  INFO((up ? std::string("ok") : up.error().message));
  REQUIRE(up.has_value());
  // Nothing pending any more, and the server now agrees with us.
  auto again = d1.sync(c1);
  INFO(text(again));
  CHECK(is(again, sync_outcome_kind::no_changes));

  // A second, empty device: it may download, not upload (it would lose
  // the server's card).
  auto c2 = fx.connect();
  auto d2 = fx.fresh_device("device2");
  auto second = d2.sync(c2);
  INFO(text(second));
  REQUIRE(is(second, sync_outcome_kind::full_sync_required));
  CHECK(second->full == client::full_sync_choice{false, true});
  auto down = d2.full_download(c2);
  INFO((down ? std::string("ok") : down.error().message));
  REQUIRE(down.has_value());
  CHECK(differences(d1.file(), d2.file()).empty());
  CHECK(collection_file(d2.file()).counts().notes == 1);
  auto after = d2.sync(c2);
  INFO(text(after));
  CHECK(is(after, sync_outcome_kind::no_changes));
  // Edits then flow normally between them.
  REQUIRE(d2.add_note({"second"}).has_value());
  auto sent = d2.sync(c2);
  INFO(text(sent));
  CHECK(is(sent, sync_outcome_kind::normal_sync_done));
  auto got = d1.sync(c1);
  INFO(text(got));
  CHECK(is(got, sync_outcome_kind::normal_sync_done));
  CHECK(differences(d1.file(), d2.file()).empty());
}

TEST_CASE("A14: a fresh device against a fresh server has no changes until it adds a note") {
  sync_fixture fx(seeding::never);
  auto c = fx.connect();
  auto d = fx.fresh_device("device");

  // Both are new: mod 0 on both sides, so meta says "no changes" (#5112).
  auto first = d.sync(c);
  INFO(text(first));
  REQUIRE(is(first, sync_outcome_kind::no_changes));
  // A no-op sync stamps nothing.
  auto col = d.collection().read_col();
  REQUIRE(col.has_value());
  CHECK(col->ls == 0);
  CHECK(col->mod == 0);
  auto again = d.sync(c);
  INFO(text(again));
  CHECK(is(again, sync_outcome_kind::no_changes));

  // With a note the schemas (own scm vs the server's) must be reconciled
  // by a one-way sync: upload allowed (the server is empty), download not
  // (it would lose our card).
  REQUIRE(d.add_note({"1"}).has_value());
  auto after = d.sync(c);
  INFO(text(after));
  REQUIRE(is(after, sync_outcome_kind::full_sync_required));
  CHECK(after->full == client::full_sync_choice{true, false});
}

TEST_CASE("A17: start with grave ids as strings (old AnkiMobile) answers 200, then abort 200") {
  sync_fixture fx(seeding::never);
  raw_sync raw(fx.server(), fx.host_key());
  auto r = raw.call(
      "start",
      R"({"minUsn":0,"lnewer":false,"graves":{"cards":["1"],"decks":["2","3"],"notes":["4"]}})",
      "s");
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(raw.call("abort", "{}", "s").status == 200);
}

TEST_CASE("A18: start without a graves key answers 200") {
  sync_fixture fx(seeding::never);
  raw_sync raw(fx.server(), fx.host_key());
  auto r = raw.call("start", R"({"minUsn":0,"lnewer":false})", "s");
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(raw.call("abort", "{}", "s").status == 200);
}
