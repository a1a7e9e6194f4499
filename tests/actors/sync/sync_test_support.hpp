#pragma once

// Shared set-up for the tests of the server's sync phases: a real
// collection file in a temp folder, a session started the way the
// collection actor starts one, and builders for wire and stored rows.

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/sync/phases.hpp"
#include "protocol/changes.hpp"
#include "protocol/chunk.hpp"
#include "protocol/graves.hpp"
#include "protocol/sanity.hpp"
#include "storage/collection.hpp"
#include "storage/sync_objects.hpp"
#include "tests/storage/collection_helpers.hpp"
#include "tests/storage/temp_dir.hpp"

namespace ankisync::actors::sync::test {

using storage::test::query_rows;
using storage::test::rows;
using storage::test::temp_dir;

// Creation time of every test collection (pins crt, scm and ids).
inline constexpr std::int64_t created_ms = 1'700'000'000'123;
// The server's clock while a test sync runs.
inline constexpr std::int64_t now_ms = 1'750'000'000'456;
inline constexpr std::int64_t now_secs = now_ms / 1000;

inline storage::collection open_collection(const std::filesystem::path& file) {
  storage::collection_options options;
  options.now_ms = created_ms;
  auto col = storage::collection::open(file, options);
  if (!col)
    FAIL("cannot open " << file << ": " << col.error().message);
  return std::move(*col);
}

#ifdef ANKISYNC_FIXTURES_DIR
// A writable copy of a shared fixture (the original is never opened).
inline std::filesystem::path copy_fixture(const temp_dir& dir, const std::string& name) {
  auto from = std::filesystem::path(ANKISYNC_FIXTURES_DIR) / name;
  auto to = dir / name;
  std::filesystem::copy_file(from, to);
  std::filesystem::permissions(to, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  return to;
}
#endif

// Unwraps a phase's reply, failing the test with the error's message.
inline std::string ok(const phase_result& r) {
  if (!r)
    FAIL("phase failed: " << r.error().message);
  return *r;
}

// One user's collection on the "server", with a session slot.
struct server {
  temp_dir dir;
  std::filesystem::path file;
  std::optional<storage::collection> col;
  sync_session session;

  // A new empty collection, as a new user gets.
  server() : file(dir / "collection.anki2") { col.emplace(open_collection(file)); }
#ifdef ANKISYNC_FIXTURES_DIR
  // A copy of a shared fixture file.
  explicit server(const std::string& fixture) : file(copy_fixture(dir, fixture)) {
    col.emplace(open_collection(file));
  }
#endif

  storage::collection& c() { return *col; }
  sqlite3* db() { return col->handle(); }

  // Closes the connection (rolling back an open session) and reopens.
  void reopen() {
    col.reset();
    col.emplace(open_collection(file));
  }

  // Sets col.usn outside any session, as earlier syncs would have left it.
  void set_usn(std::int32_t usn) { REQUIRE(col->set_usn(usn)); }

  // What the actor does for `start`: begin the transaction, fill the key,
  // run the phase on the decoded body.
  phase_result start_raw(const std::string& body) {
    auto req = protocol::decode_start_request(body);
    if (!req)
      FAIL("bad start body: " << req.error().message);
    REQUIRE(col->begin());
    session = sync_session{};
    session.key = "skey";
    return server_start(*req, *col, session);
  }
  protocol::graves_entry start(std::int32_t min_usn, bool lnewer) {
    auto reply = ok(start_raw(protocol::encode_start_request({min_usn, lnewer, std::nullopt})));
    auto graves = protocol::decode_start_response(reply);
    REQUIRE(graves);
    return *graves;
  }

  phase_result apply_graves(const protocol::graves_entry& g) {
    return server_apply_graves(protocol::apply_graves_request{g}, *col, session);
  }

  phase_result apply_changes_raw(const protocol::changes_entry& theirs) {
    // Through the wire encoding, as the client would send it.
    auto req = protocol::decode_apply_changes_request(
        protocol::encode_apply_changes_request(protocol::apply_changes_request{theirs}));
    if (!req)
      FAIL("bad applyChanges body: " << req.error().message);
    return server_apply_changes(*req, *col, session, now_ms);
  }
  protocol::changes_entry apply_changes(const protocol::changes_entry& theirs) {
    auto reply = ok(apply_changes_raw(theirs));
    auto ours = protocol::decode_changes_entry(reply);
    if (!ours)
      FAIL("bad applyChanges reply " << reply << ": " << ours.error().message);
    return *ours;
  }

  protocol::chunk_entry chunk() {
    auto reply = ok(server_chunk(*col, session));
    auto c = protocol::decode_chunk_entry(reply);
    if (!c)
      FAIL("bad chunk reply " << reply << ": " << c.error().message);
    return *c;
  }
  // Every chunk until done.
  std::vector<protocol::chunk_entry> all_chunks() {
    std::vector<protocol::chunk_entry> out;
    for (int i = 0; i < 1000; ++i) {
      out.push_back(chunk());
      if (out.back().done)
        return out;
    }
    FAIL("chunk never said done");
    return out;
  }

  phase_result apply_chunk(const protocol::chunk_entry& theirs) {
    auto req = protocol::decode_apply_chunk_request(
        protocol::encode_apply_chunk_request(protocol::apply_chunk_request{theirs}));
    if (!req)
      FAIL("bad applyChunk body: " << req.error().message);
    return server_apply_chunk(*req, *col, session);
  }

  protocol::sanity_response sanity(const protocol::sanity_counts_entry& client) {
    auto reply = ok(server_sanity_check(protocol::sanity_request{client}, *col, session));
    auto r = protocol::decode_sanity_response(reply);
    REQUIRE(r);
    return *r;
  }

  storage::collection_counts counts() {
    auto c = col->counts();
    REQUIRE(c);
    return *c;
  }
  storage::col_row col_row() {
    auto r = col->read_col();
    REQUIRE(r);
    return *r;
  }
};

// ---- stored rows ----

inline storage::card_row card_row(std::int64_t id, std::int32_t usn, std::int64_t mod = 1'700'000'000,
                                  std::int64_t nid = 100) {
  storage::card_row c;
  c.id = id;
  c.nid = nid;
  c.did = 1;
  c.mod = mod;
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

inline storage::revlog_row revlog_row(std::int64_t id, std::int32_t usn, std::int64_t cid = 1) {
  return storage::revlog_row{id, cid, usn, 3, 10, 4, 2500, 6120, 1};
}

// The id of the stock "Basic" notetype (two fields, sorted by the first).
inline std::int64_t basic_id(storage::collection& col) {
  auto rows = query_rows(col.handle(), "select id from notetypes where name = 'Basic'");
  REQUIRE(rows.size() == 1);
  return std::stoll(rows[0][0]);
}

inline storage::note_row note_row(std::int64_t id, std::int32_t usn, std::int64_t mid,
                                  std::int64_t mod = 1'700'000'000,
                                  std::string flds = "front\x1f" "back") {
  storage::note_row n;
  n.id = id;
  n.guid = "guid" + std::to_string(id);
  n.mid = mid;
  n.mod = mod;
  n.usn = usn;
  n.tags = " tag1 ";
  n.flds = std::move(flds);
  return n;
}

// Stores a Basic note outside any session.
inline void put_basic_note(storage::collection& col, const storage::note_row& n) {
  REQUIRE(col.put_note(n, storage::note_shape{2, 0}));
}

// ---- wire rows ----

inline protocol::card_entry card_entry(std::int64_t id, std::int32_t usn, std::int64_t mod,
                                       std::int64_t nid = 100) {
  protocol::card_entry e;
  e.id = id;
  e.nid = nid;
  e.did = 1;
  e.mod = mod;
  e.usn = usn;
  e.type = 2;
  e.queue = 2;
  e.due = 900;
  e.ivl = 20;
  e.factor = 2600;
  e.reps = 6;
  e.data = "{}";
  return e;
}

inline protocol::note_entry note_entry(std::int64_t id, std::int32_t usn, std::int64_t mid,
                                       std::int64_t mod, std::string flds = "new front\x1f" "new back") {
  protocol::note_entry e;
  e.id = id;
  e.guid = "guid" + std::to_string(id);
  e.mid = mid;
  e.mod = mod;
  e.usn = usn;
  e.tags = " fromclient ";
  e.flds = std::move(flds);
  return e;
}

inline protocol::revlog_entry revlog_entry(std::int64_t id, std::int32_t usn, std::uint8_t ease) {
  protocol::revlog_entry e;
  e.id = id;
  e.cid = 1;
  e.usn = usn;
  e.ease = ease;
  e.ivl = 5;
  e.last_ivl = 1;
  e.factor = 2500;
  e.time = 3000;
  e.type = 1;
  return e;
}

// ---- schema-11 objects (applyChanges) ----

// The schema-11 JSON of the server's object named `name` among `objects`
// (as pending_*_json returns them), parsed for editing.
inline boost::json::object find_named(const std::vector<std::string>& objects,
                                      const std::string& name) {
  for (auto& text : objects) {
    auto v = boost::json::parse(text);
    if (v.as_object().at("name").as_string() == name)
      return v.as_object();
  }
  FAIL("no object named " << name);
  return {};
}

inline boost::json::object notetype_json(storage::collection& col, const std::string& name) {
  auto all = storage::pending_notetypes_json(col, -2'000'000'000);
  REQUIRE(all);
  return find_named(*all, name);
}
inline boost::json::object deck_json(storage::collection& col, const std::string& name) {
  auto all = storage::pending_decks_json(col, -2'000'000'000);
  REQUIRE(all);
  return find_named(*all, name);
}
inline boost::json::object deck_config_json(storage::collection& col, const std::string& name) {
  auto all = storage::pending_deck_configs_json(col, -2'000'000'000);
  REQUIRE(all);
  return find_named(*all, name);
}

inline std::string text(const boost::json::object& o) { return boost::json::serialize(o); }

// Names in a list of schema-11 objects.
inline std::set<std::string> names_of(const std::vector<std::string>& objects) {
  std::set<std::string> out;
  for (auto& t : objects)
    out.insert(std::string(boost::json::parse(t).as_object().at("name").as_string()));
  return out;
}

// The server's counts as a client in sync with it would report them.
inline protocol::sanity_counts_entry counts_entry(const storage::collection_counts& c) {
  protocol::sanity_counts_entry e;
  e.cards = static_cast<std::uint32_t>(c.cards);
  e.notes = static_cast<std::uint32_t>(c.notes);
  e.revlog = static_cast<std::uint32_t>(c.revlog);
  e.graves = static_cast<std::uint32_t>(c.graves);
  e.models = static_cast<std::uint32_t>(c.notetypes);
  e.decks = static_cast<std::uint32_t>(c.decks);
  e.deck_config = static_cast<std::uint32_t>(c.deck_config);
  return e;
}

} // namespace ankisync::actors::sync::test
