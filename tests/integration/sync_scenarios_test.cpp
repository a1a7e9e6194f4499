// Normal syncs between devices through the real server: upstream's regular
// sync scenarios (protocol-collection.md §10 A10-A13, A15, A16), the
// chunking and finish rules (B5-B7), and issue 3's two-device test.
//
// Devices start from a byte copy of the server's fresh collection instead
// of upstream's full upload/download (the reference client has no full
// sync yet); they then share the server's scm and sync normally.

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <fstream>

#include "protocol/meta.hpp"
#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using client::object_kind;
using client::sync_outcome_kind;

namespace {

template <class T>
T must(storage::result<T> r) {
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  if constexpr (!std::is_void_v<T>)
    return std::move(*r);
}

void require_done(client::device& d, client::sync_client& c) {
  auto r = d.sync(c);
  INFO(d.file().parent_path().filename().string() << ": " << text(r));
  REQUIRE(is(r, sync_outcome_kind::normal_sync_done));
}

void require_no_changes(client::device& d, client::sync_client& c) {
  auto r = d.sync(c);
  INFO(d.file().parent_path().filename().string() << ": " << text(r));
  REQUIRE(is(r, sync_outcome_kind::no_changes));
}

void require_same(const std::filesystem::path& a, const std::filesystem::path& b) {
  auto diff = differences(a, b);
  for (const auto& line : diff)
    UNSCOPED_INFO(line);
  CHECK(diff.empty());
}

std::int64_t count(const std::filesystem::path& file, const char* table) {
  return collection_file(file).scalar(std::string("select count() from ") + table);
}

protocol::meta_response server_meta(sync_fixture& fx) {
  raw_sync raw(fx.server(), fx.host_key());
  auto r = raw.call("meta", protocol::encode_meta_request({11, "test"}), "");
  REQUIRE(r.status == 200);
  auto meta = protocol::decode_meta_response(r.body);
  REQUIRE(meta.has_value());
  return *meta;
}

} // namespace

TEST_CASE("A10-A13: additions, edits and deletions reach the other device, a notetype deletion "
          "forces a full sync") {
  sync_fixture fx;
  auto c1 = fx.connect(), c2 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");

  // In sync, each with one note (upstream: after the full upload/download).
  must(d1.add_note({"1"}));
  require_done(d1, c1);
  require_done(d2, c2);

  // A10: device 1 adds a deck with a new options group, a notetype, a
  // note with a tag and a review, and a config key.
  auto dconf = must(d1.add_deck_config("new dconf"));
  auto deck = must(d1.add_deck("new deck", dconf));
  auto nt = must(d1.add_notetype("new"));
  auto note = must(d1.add_note({"2", ""}, {"tag"}, deck, nt));
  REQUIRE(note.card_ids.size() == 1);
  const auto card = note.card_ids[0];
  must(d1.review_card(card));
  must(d1.set_config("test", "\"test1\""));

  // meta compares to a normal sync.
  {
    auto remote = server_meta(fx);
    auto local = must(d1.collection().read_col());
    CHECK(remote.scm == local.scm);
    CHECK(remote.mod != local.mod);
  }
  require_done(d1, c1);
  require_no_changes(d1, c1);
  require_done(d2, c2);
  require_no_changes(d2, c2);
  require_same(d1.file(), d2.file());
  require_same(d1.file(), fx.server_file());
  {
    collection_file f2(d2.file());
    CHECK(f2.scalar("select count() from notetypes where id = " + std::to_string(nt)) == 1);
    CHECK(f2.scalar("select count() from decks where id = " + std::to_string(deck)) == 1);
    CHECK(f2.scalar("select count() from deck_config where id = " + std::to_string(dconf)) == 1);
    CHECK(f2.scalar("select count() from revlog where cid = " + std::to_string(card)) == 1);
    CHECK(f2.scalar("select count() from tags where tag = 'tag'") == 1);
    CHECK(f2.scalar("select count() from config where KEY = 'test'") == 1);
  }

  // A11: device 2 edits the note (a field and a new tag) and the card,
  // renames the deck and the notetype; device 2 then device 1 sync.
  must(d2.edit_note(note.note_id, std::vector<std::string>{"2", "new"},
                    std::vector<std::string>{"tag", "tag2"}));
  must(d2.review_card(card));
  must(d2.rename_deck(deck, "newer"));
  must(d2.rename_notetype(nt, "newer"));
  require_done(d2, c2);
  require_done(d1, c1);
  require_same(d1.file(), d2.file());
  {
    collection_file f1(d1.file());
    CHECK(f1.scalar("select count() from decks where name = 'newer'") == 1);
    CHECK(f1.scalar("select count() from notetypes where name = 'newer'") == 1);
    CHECK(f1.scalar("select count() from notes where tags = ' tag tag2 '") == 1);
    CHECK(f1.scalar("select reps from cards where id = " + std::to_string(card)) == 2);
  }

  // A12: device 1 deletes the card with its note, and the deck.
  for (const char* table : {"cards", "notes", "decks"})
    REQUIRE(count(d2.file(), table) == 2);
  must(d1.delete_note(note.note_id));
  must(d1.delete_deck(deck));
  require_done(d1, c1);
  require_done(d2, c2);
  for (const char* table : {"cards", "notes", "decks"})
    CHECK(count(d2.file(), table) == 1);
  require_same(d1.file(), d2.file());

  // A13: deleting a notetype is a schema change: a full sync is required.
  must(d2.delete_notetype(nt));
  CHECK(server_meta(fx).scm != must(d2.collection().read_col()).scm);
  auto full = d2.sync(c2);
  INFO(text(full));
  CHECK(is(full, sync_outcome_kind::full_sync_required));
}

TEST_CASE("A15: a failed sanity check rolls both sides back and makes the next sync a full one") {
  sync_fixture fx;
  auto c1 = fx.connect(), c2 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");
  const auto before = snapshot(fx.server_file());

  // A deck that is not marked for sending: the counts will differ.
  auto deck = must(d1.add_deck("unsynced deck"));
  must(d1.force_usn(object_kind::deck, deck, 0));
  auto r = d1.sync(c1);
  INFO(text(r));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == client::sync_failure_kind::sanity_check);
  REQUIRE(r.error().client_counts.has_value());
  REQUIRE(r.error().server_counts.has_value());
  CHECK(r.error().client_counts->decks == r.error().server_counts->decks + 1);

  // The server rolled back: the other device sees nothing new.
  CHECK(snapshot(fx.server_file()) == before);
  require_no_changes(d2, c2);
  // And this device must now do a one-way sync, either way.
  auto next = d1.sync(c1);
  INFO(text(next));
  REQUIRE(is(next, sync_outcome_kind::full_sync_required));
  CHECK(next->full == client::full_sync_choice{true, true});

  // Resolving it with a full upload brings the deck to the server; the
  // other device must then download, and both agree.
  auto up = d1.full_upload(c1);
  INFO((up ? std::string("ok") : up.error().message));
  REQUIRE(up.has_value());
  require_no_changes(d1, c1);
  auto other = d2.sync(c2);
  INFO(text(other));
  REQUIRE(is(other, sync_outcome_kind::full_sync_required));
  auto down = d2.full_download(c2);
  INFO((down ? std::string("ok") : down.error().message));
  REQUIRE(down.has_value());
  require_no_changes(d2, c2);
  require_same(d1.file(), d2.file());
  require_same(d1.file(), fx.server_file());
}

TEST_CASE("A16: a note whose notetype the server lacks fails the sync with 400, rolled back, "
          "and the retry fails the same way without a full sync") {
  sync_fixture fx;
  auto c1 = fx.connect(), c2 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");
  const auto before = snapshot(fx.server_file());
  const auto scm = must(d1.collection().read_col()).scm;

  auto nt = must(d1.add_notetype("new"));
  must(d1.add_note({"test"}, {}, 1, nt));
  must(d1.force_usn(object_kind::notetype, nt, 0));

  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto r = d1.sync(c1);
    INFO("attempt " << attempt << ": " << text(r));
    REQUIRE(failed_with_status(r, 400)); // client: "check database"
    CHECK(r.error().method == protocol::sync_method::apply_chunk);
    CHECK(snapshot(fx.server_file()) == before);
    require_no_changes(d2, c2);
    // Not turned into a full sync: the schema stays.
    CHECK(must(d1.collection().read_col()).scm == scm);
  }
}

TEST_CASE("B5: 251+ pending rows come in interleaved chunks of at most 252, the first not done") {
  sync_fixture fx;
  auto c1 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  for (int i = 0; i < 100; ++i) {
    auto n = must(d1.add_note({"q" + std::to_string(i)}));
    must(d1.review_card(n.card_ids[0]));
  }
  require_done(d1, c1); // the server now holds 300 rows at usn 0

  raw_sync raw(fx.server(), fx.host_key());
  REQUIRE(raw.call("start", R"({"minUsn":0,"lnewer":false,"graves":null})", "b5").status == 200);
  auto first = raw.call("chunk", "{}", "b5");
  REQUIRE(first.status == 200);
  auto j = boost::json::parse(first.body).as_object();
  CHECK(j.at("done").as_bool() == false);
  const auto revlog = j.at("revlog").as_array().size();
  const auto cards = j.at("cards").as_array().size();
  const auto notes = j.at("notes").as_array().size();
  CHECK(revlog + cards + notes >= 250);
  CHECK(revlog + cards + notes <= 252);
  // Rounds take one of each kind.
  CHECK(revlog == notes);
  CHECK(notes == cards);

  auto second = raw.call("chunk", "{}", "b5");
  REQUIRE(second.status == 200);
  auto k = boost::json::parse(second.body).as_object();
  CHECK(k.at("done").as_bool() == true);
  std::size_t rest = 0;
  for (const char* key : {"revlog", "cards", "notes"})
    if (k.contains(key))
      rest += k.at(key).as_array().size();
  CHECK(revlog + cards + notes + rest == 300);
  CHECK(raw.call("abort", "{}", "b5").status == 200);
}

TEST_CASE("B6: sanityCheck2 with a server row at usn -1 says bad with s null, and rolls back") {
  sync_fixture fx;
  // Seeding made the server's collection.
  const auto before = snapshot(fx.server_file());
  raw_sync raw(fx.server(), fx.host_key());
  REQUIRE(raw.call("start", R"({"minUsn":0,"lnewer":false,"graves":null})", "b6").status == 200);
  // A card sent without its usn stamped: stored as sent, -1.
  auto sent = raw.call(
      "applyChunk",
      R"({"chunk":{"done":true,"cards":[[1,2,1,0,1700000000,-1,0,0,1,0,0,0,0,0,0,0,0,"{}"]]}})",
      "b6");
  REQUIRE(sent.status == 200);
  auto r = raw.call("sanityCheck2", R"({"client":[[0,0,0],1,0,0,0,6,1,1]})", "b6");
  REQUIRE(r.status == 200);
  auto j = boost::json::parse(r.body).as_object();
  CHECK(j.at("status").as_string() == "bad");
  CHECK(j.at("s").is_null());
  CHECK(snapshot(fx.server_file()) == before);
  CHECK(raw.call("abort", "{}", "b6").status == 200);
  CHECK(snapshot(fx.server_file()) == before);
}

TEST_CASE("B7: finish returns T, the next meta shows mod T and usn + 1") {
  sync_fixture fx;
  // Seeding made the server's collection.
  auto meta = server_meta(fx);
  auto counts = collection_file(fx.server_file()).counts();
  raw_sync raw(fx.server(), fx.host_key());
  REQUIRE(raw.call("start", R"({"minUsn":0,"lnewer":false,"graves":null})", "b7").status == 200);
  REQUIRE(raw.call("chunk", "{}", "b7").status == 200);
  REQUIRE(raw.call("applyChunk", R"({"chunk":{"done":true}})", "b7").status == 200);
  const std::string sanity = "{\"client\":[[0,0,0]," + std::to_string(counts.cards) + "," +
                             std::to_string(counts.notes) + "," + std::to_string(counts.revlog) +
                             ",0," + std::to_string(counts.notetypes) + "," +
                             std::to_string(counts.decks) + "," +
                             std::to_string(counts.deck_config) + "]}";
  auto check = raw.call("sanityCheck2", sanity, "b7");
  REQUIRE(check.status == 200);
  REQUIRE(boost::json::parse(check.body).as_object().at("status").as_string() == "ok");
  auto fin = raw.call("finish", "{}", "b7");
  REQUIRE(fin.status == 200);
  const auto t = boost::json::parse(fin.body).as_int64();
  auto after = server_meta(fx);
  CHECK(after.mod == t);
  CHECK(after.usn == meta.usn + 1);
  auto col = collection_file(fx.server_file()).col();
  CHECK(col.mod == t);
  CHECK(col.ls == t);
  CHECK(col.usn == meta.usn + 1);
}

TEST_CASE("two devices editing in turns converge with the server, row for row in every table") {
  sync_fixture fx;
  auto c1 = fx.connect(), c2 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");

  // Device 1 builds a collection.
  auto fast = must(d1.add_deck_config("Fast"));
  auto languages = must(d1.add_deck("Languages", fast));
  auto temp = must(d1.add_deck("Temp"));
  auto vocab = must(d1.add_notetype("Vocab"));
  std::vector<client::added_note> notes;
  for (int i = 0; i < 6; ++i)
    notes.push_back(must(d1.add_note({"word " + std::to_string(i), "meaning"},
                                     {"lang", "lang::de"}, languages, vocab)));
  auto plain = must(d1.add_note({"plain", "note"}, {"misc"}));
  auto doomed = must(d1.add_note({"to delete", ""}, {}, 1));
  auto in_temp = must(d1.add_note({"in temp", ""}, {"temp"}, temp));
  for (int i = 0; i < 4; ++i)
    must(d1.review_card(notes[i].card_ids[0], i % 2 ? 3 : 1));
  must(d1.review_card(plain.card_ids[0]));
  must(d1.set_config("ankisync.test", R"({"a":[1,2],"b":"x"})"));
  // Floats as upstream's serde_json writes them: they must come back as
  // these bytes, not as "1E-1" or "2".
  must(d1.set_config("ankisync.floats", "[0.1,2.0,-3.25]"));
  must(d1.add_tag("standalone"));
  require_done(d1, c1);
  require_done(d2, c2);
  require_same(d1.file(), d2.file());

  // Device 2 edits and reorganises; device 1 deletes.
  must(d2.edit_note(notes[0].note_id, std::vector<std::string>{"word 0", "changed"},
                    std::vector<std::string>{"lang", "edited"}));
  must(d2.move_card(notes[1].card_ids[0], 1));
  must(d2.rename_deck(languages, "Languages::German"));
  must(d2.rename_notetype(vocab, "Vocabulary"));
  must(d2.review_card(notes[5].card_ids[0]));
  must(d1.delete_note(doomed.note_id));
  must(d1.delete_deck(temp));

  // In turns, then a final round without edits.
  require_done(d2, c2);
  require_done(d1, c1);
  require_done(d2, c2);
  require_done(d1, c1);

  require_same(fx.server_file(), d1.file());
  require_same(fx.server_file(), d2.file());
  require_same(d1.file(), d2.file());
  {
    collection_file f(fx.server_file());
    CHECK(f.scalar("select count() from notes where id = " + std::to_string(doomed.note_id)) == 0);
    CHECK(f.scalar("select count() from notes where id = " + std::to_string(in_temp.note_id)) == 0);
    CHECK(f.scalar("select count() from decks where id = " + std::to_string(temp)) == 0);
    CHECK(f.scalar("select count() from notetypes where name = 'Vocabulary'") == 1);
    CHECK(f.scalar("select did from cards where id = " + std::to_string(notes[1].card_ids[0])) ==
          1);
    CHECK(f.scalar("select count() from revlog") == 6);
    CHECK(f.scalar("select count() from config where KEY = 'ankisync.floats' and"
                   " cast(val as text) = '[0.1,2.0,-3.25]'") == 1);
    // The deleted note with its card, and the deck with its card and note.
    CHECK(f.scalar("select count() from graves") == 5);
  }

  // A notetype deletion forces a full sync: meta reports another scm.
  must(d1.delete_notetype(vocab));
  CHECK(server_meta(fx).scm != must(d1.collection().read_col()).scm);
  auto full = d1.sync(c1);
  INFO(text(full));
  CHECK(is(full, sync_outcome_kind::full_sync_required));
}

TEST_CASE("600 deletions go in applyGraves calls of at most 250 ids and reach the other device") {
  sync_fixture fx;
  auto c1 = fx.connect(), c2 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");
  std::vector<std::int64_t> note_ids;
  for (int i = 0; i < 300; ++i)
    note_ids.push_back(must(d1.add_note({"n" + std::to_string(i)})).note_id);
  require_done(d1, c1);
  require_done(d2, c2); // 300 notes and cards arrive in two chunks
  require_same(d1.file(), d2.file());

  for (auto id : note_ids)
    must(d1.delete_note(id));
  int grave_calls = 0;
  client::sync_hooks hooks;
  hooks.after_reply = [&](protocol::sync_method m, int) {
    if (m == protocol::sync_method::apply_graves)
      ++grave_calls;
  };
  auto r = d1.sync(c1, hooks);
  INFO(text(r));
  REQUIRE(is(r, sync_outcome_kind::normal_sync_done));
  CHECK(grave_calls == 3); // 250 + 250 + 100
  require_done(d2, c2);
  CHECK(count(d2.file(), "notes") == 0);
  CHECK(count(d2.file(), "cards") == 0);
  CHECK(count(fx.server_file(), "graves") == 600);
  require_same(d1.file(), d2.file());
  require_same(d1.file(), fx.server_file());
}

TEST_CASE("another device's meta during a sync does not disturb it and reports the last commit") {
  sync_fixture fx;
  auto c1 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  must(d1.add_note({"a"}));
  const auto committed = collection_file(fx.server_file()).col();

  bool checked = false;
  client::sync_hooks hooks;
  hooks.after_reply = [&](protocol::sync_method m, int) {
    if (m != protocol::sync_method::apply_chunk || checked)
      return;
    checked = true;
    // Upstream aborts the running sync here; the desktop checks meta in
    // the background, so that breaks other devices' syncs.
    auto meta = server_meta(fx);
    CHECK(meta.mod == committed.mod);
    CHECK(meta.usn == committed.usn);
  };
  auto r = d1.sync(c1, hooks);
  INFO(text(r));
  REQUIRE(checked);
  CHECK(is(r, sync_outcome_kind::normal_sync_done));
  CHECK(server_meta(fx).mod == must(d1.collection().read_col()).mod);
}

TEST_CASE("a second device starting a sync takes over, the first gets 409, rolls back and "
          "succeeds on retry") {
  sync_fixture fx;
  auto c1 = fx.connect(), c2 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  auto d2 = fx.seeded_device("device2");
  must(d1.add_note({"from 1"}));
  must(d2.add_note({"from 2"}));
  const auto d1_before = snapshot(d1.file());

  bool interrupted = false;
  client::sync_hooks hooks;
  hooks.after_reply = [&](protocol::sync_method m, int) {
    if (m != protocol::sync_method::apply_changes || interrupted)
      return;
    interrupted = true;
    // Device 2 syncs completely in the middle of device 1's sync.
    require_done(d2, c2);
  };
  auto r = d1.sync(c1, hooks);
  INFO(text(r));
  REQUIRE(interrupted);
  REQUIRE(failed_with_status(r, 409)); // "only one copy of Anki can sync at once"
  CHECK(snapshot(d1.file()) == d1_before);

  require_done(d1, c1);
  require_done(d2, c2);
  require_same(d1.file(), d2.file());
  require_same(d1.file(), fx.server_file());
  CHECK(count(fx.server_file(), "notes") == 2);
}

TEST_CASE("B8: a v11 download sends a schema-18 file holding usn + 1 and a fresh mod") {
  sync_fixture fx;
  auto c1 = fx.connect();
  auto d1 = fx.seeded_device("device1");
  must(d1.add_note({"downloaded"}));
  require_done(d1, c1);
  const auto before = server_meta(fx);

  raw_sync raw(fx.server(), fx.host_key());
  const auto t0 = client::system_clock_ms();
  auto r = raw.call("download", "{}", "dl");
  const auto t1 = client::system_clock_ms();
  REQUIRE(r.status == 200);
  const auto file = fx.folder() / "downloaded.anki2";
  {
    std::ofstream out(file, std::ios::binary);
    out << r.body;
  }
  collection_file got(file);
  auto col = got.col();
  CHECK(col.ver == 18);
  CHECK(col.usn == before.usn + 1);
  CHECK(col.mod >= t0);
  CHECK(col.mod <= t1);
  CHECK(got.scalar("select count() from notes") == 1);
  // The server's own state moved the same way.
  auto after = server_meta(fx);
  CHECK(after.usn == col.usn);
  CHECK(after.mod == col.mod);
  // The downloaded rows are the server's (nothing but the col row moved).
  auto diff = differences(file, fx.server_file());
  for (const auto& line : diff)
    UNSCOPED_INFO(line);
  CHECK(diff.empty());
}

TEST_CASE("B11: a legacy multipart meta with gzip JSON gets a raw JSON reply") {
  sync_fixture fx;
  client::sync_client_options o;
  o.legacy = true;
  client::sync_client legacy("127.0.0.1", fx.server().port(), o);
  auto r = legacy.call("meta", protocol::encode_meta_request({10, "legacy,2.1.50,linux"}),
                       fx.host_key());
  REQUIRE(r.has_value());
  INFO(r->body);
  REQUIRE(r->status == 200);
  // Raw JSON, not zstd, and no original-size header.
  CHECK(r->body.starts_with("{"));
  for (const auto& [k, v] : r->headers)
    CHECK(k != "anki-original-size");
  auto meta = protocol::decode_meta_response(r->body);
  REQUIRE(meta.has_value());
  CHECK(meta->usn == server_meta(fx).usn);
}
