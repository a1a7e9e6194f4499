// kill -9 of the server during a sync (issue 3): after a restart the
// collection is as before the sync or as after it, never in between.
// Modelled on LevelDB's fault-injection tests: the crash is real (SIGKILL
// of the real binary), and the check reads the file with plain SQL.

#include <catch2/catch.hpp>

#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using client::sync_outcome_kind;
using protocol::sync_method;

namespace {

template <class T>
T must(storage::result<T> r) {
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  if constexpr (!std::is_void_v<T>)
    return std::move(*r);
}

// A hook that SIGKILLs the server as soon as `method` has answered: the
// reply has left the server, nothing after it has run.
client::sync_hooks kill_after(server_process& server, sync_method method) {
  client::sync_hooks hooks;
  hooks.after_reply = [&server, method](sync_method m, int) {
    if (m == method && server.running())
      server.kill();
  };
  return hooks;
}

} // namespace

TEST_CASE("kill -9 at any step of a sync leaves the server's collection as before the sync, "
          "and right after finish as after it") {
  sync_fixture fx;
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");
  {
    auto c = fx.connect();
    std::vector<client::added_note> first;
    for (int i = 0; i < 5; ++i)
      first.push_back(must(d1.add_note({"first " + std::to_string(i)}, {"base"})));
    REQUIRE(is(d1.sync(c), sync_outcome_kind::normal_sync_done));
    auto c2 = fx.connect();
    REQUIRE(is(d2.sync(c2), sync_outcome_kind::normal_sync_done));

    // A batch touching every part of a sync: graves, notetypes, decks,
    // tags, config, and enough rows for several chunks both ways.
    must(d1.delete_note(first[0].note_id));
    auto deck = must(d1.add_deck("crash deck"));
    auto nt = must(d1.add_notetype("crash type"));
    for (int i = 0; i < 200; ++i) {
      auto n = must(d1.add_note({"batch " + std::to_string(i), "x"}, {"batch"}, deck, nt));
      if (i % 2 == 0)
        must(d1.review_card(n.card_ids[0]));
    }
    must(d1.set_config("crash", "true"));
  }
  const auto server_before = snapshot(fx.server_file());
  const auto col_before = collection_file(fx.server_file()).col();
  const auto device_before = snapshot(d1.file());

  for (auto method : {sync_method::start, sync_method::apply_graves, sync_method::apply_changes,
                      sync_method::chunk, sync_method::apply_chunk, sync_method::sanity_check}) {
    INFO("killed after " << protocol::to_string(method));
    auto c = fx.connect();
    auto r = d1.sync(c, kill_after(fx.server(), method));
    INFO(text(r));
    REQUIRE_FALSE(fx.server().running()); // the hook did fire
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == client::sync_failure_kind::transport);
    fx.server().start();

    // Exactly the state before the sync: every row, and col's usn and mod.
    CHECK(collection_file(fx.server_file()).col() == col_before);
    CHECK(snapshot(fx.server_file()) == server_before);
    // The device rolled back too: its edits are still pending.
    CHECK(snapshot(d1.file()) == device_before);
  }

  // To completion, with the kill right after finish has answered.
  {
    auto c = fx.connect();
    auto r = d1.sync(c, kill_after(fx.server(), sync_method::finish));
    INFO(text(r));
    REQUIRE(is(r, sync_outcome_kind::normal_sync_done));
    REQUIRE_FALSE(fx.server().running());
    fx.server().start();
  }
  auto server_col = collection_file(fx.server_file()).col();
  auto device_col = collection_file(d1.file()).col();
  CHECK(server_col.usn == col_before.usn + 1);
  CHECK(server_col.mod == device_col.mod);
  CHECK(server_col.usn == device_col.usn);
  auto diff = differences(fx.server_file(), d1.file());
  for (const auto& line : diff)
    UNSCOPED_INFO(line);
  CHECK(diff.empty());

  // And the server hands all of it on.
  auto c1 = fx.connect(), c2 = fx.connect();
  CHECK(is(d1.sync(c1), sync_outcome_kind::no_changes));
  auto r2 = d2.sync(c2);
  INFO(text(r2));
  CHECK(is(r2, sync_outcome_kind::normal_sync_done));
  auto diff2 = differences(d1.file(), d2.file());
  for (const auto& line : diff2)
    UNSCOPED_INFO(line);
  CHECK(diff2.empty());
}

TEST_CASE("a sync whose connection drops at any call leaves the server as before it, and the "
          "next sync completes") {
  sync_fixture fx;
  auto c1 = fx.connect(), c2 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");
  auto gone = must(d1.add_note({"gone"}));
  REQUIRE(is(d1.sync(c1), sync_outcome_kind::normal_sync_done));
  REQUIRE(is(d2.sync(c2), sync_outcome_kind::normal_sync_done));
  must(d1.delete_note(gone.note_id));
  must(d1.add_deck("dropped deck"));
  for (int i = 0; i < 3; ++i)
    must(d1.review_card(must(d1.add_note({"n" + std::to_string(i)})).card_ids[0]));
  const auto server_before = snapshot(fx.server_file());
  const auto device_before = snapshot(d1.file());

  for (auto point : {client::drop_point::before_request, client::drop_point::after_reply}) {
    for (auto method : {sync_method::start, sync_method::apply_graves, sync_method::apply_changes,
                        sync_method::chunk, sync_method::apply_chunk, sync_method::sanity_check,
                        sync_method::finish}) {
      if (method == sync_method::finish && point == client::drop_point::after_reply)
        continue; // the server committed: that is the "after" case below
      INFO("dropped " << (point == client::drop_point::before_request ? "before " : "after ")
                      << protocol::to_string(method));
      client::sync_hooks hooks;
      hooks.drop = client::sync_drop{method, point, 1};
      auto r = d1.sync(c1, hooks);
      INFO(text(r));
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().kind == client::sync_failure_kind::dropped);
      // The abandoned session is still open on the server (no abort came),
      // yet nothing of it is visible.
      CHECK(snapshot(fx.server_file()) == server_before);
      CHECK(snapshot(d1.file()) == device_before);
      // Another device is not held up by it either: its meta says nothing
      // changed (mod is the committed one).
      CHECK(is(d2.sync(c2), sync_outcome_kind::no_changes));
    }
  }

  // A finish whose reply is lost: the server committed, the device did not.
  client::sync_hooks hooks;
  hooks.drop = client::sync_drop{sync_method::finish, client::drop_point::after_reply, 1};
  auto lost = d1.sync(c1, hooks);
  REQUIRE_FALSE(lost.has_value());
  CHECK(snapshot(fx.server_file()) != server_before);
  // The device sends its edits again in the next sync. The server keeps
  // what it has where the rows tie: revlog entries are never replaced, and
  // cards and notes it holds as "changed since your last sync" with the
  // same mtime stay its own (upstream's rule, §5.6). Decks and notetypes
  // tie the other way (incoming wins on both sides, so they swap usns).
  // The contents converge, but these rows' usns differ between device and
  // server, as with the official server: the equal-mtime case issue 6 asks
  // the server to break.
  auto again = d1.sync(c1);
  INFO(text(again));
  REQUIRE(is(again, sync_outcome_kind::normal_sync_done));
  REQUIRE(is(d2.sync(c2), sync_outcome_kind::normal_sync_done));
  for (const auto& other : {d2.file(), fx.server_file()}) {
    auto content = differences(d1.file(), other, {"usn"});
    for (const auto& line : content)
      UNSCOPED_INFO(line);
    CHECK(content.empty());
  }
}

TEST_CASE("a server stopped with SIGTERM during a sync exits cleanly and keeps the state before "
          "the sync") {
  sync_fixture fx;
  auto d1 = fx.seeded_device("device1");
  for (int i = 0; i < 20; ++i)
    must(d1.add_note({"n" + std::to_string(i)}));
  const auto server_before = snapshot(fx.server_file());

  exit_status stopped;
  client::sync_hooks hooks;
  hooks.after_reply = [&](sync_method m, int) {
    if (m == sync_method::apply_chunk && fx.server().running())
      stopped = fx.server().stop();
  };
  {
    auto c = fx.connect();
    auto r = d1.sync(c, hooks);
    INFO(text(r));
    REQUIRE_FALSE(r.has_value());
  }
  INFO(stopped.describe());
  CHECK(stopped.clean());
  fx.server().start();
  CHECK(snapshot(fx.server_file()) == server_before);

  auto c = fx.connect();
  auto r = d1.sync(c);
  INFO(text(r));
  REQUIRE(is(r, sync_outcome_kind::normal_sync_done));
  auto diff = differences(d1.file(), fx.server_file());
  for (const auto& line : diff)
    UNSCOPED_INFO(line);
  CHECK(diff.empty());
}
