// A device's local edits, without a server: what they mark pending and how
// they move the collection's clocks.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "storage/client_objects.hpp"
#include "tools/client/device.hpp"

using namespace ankisync;
using namespace ankisync::client;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "ankisync-device-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A clock the test moves by hand: mtimes and ids become predictable.
struct fake_clock {
  std::int64_t ms = 1'700'000'000'000;
  clock_ms_fn fn() {
    return [this] { return ms; };
  }
};

template <class T>
T must(storage::result<T> r) {
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  if constexpr (!std::is_void_v<T>)
    return std::move(*r);
}

} // namespace

TEST_CASE("a new device has a never-synced collection: mod 0, usn 0, ls 0") {
  temp_dir tmp;
  auto d = must(device::create(tmp.path / "d"));
  auto col = must(d.collection().read_col());
  CHECK(col.mod == 0);
  CHECK(col.usn == 0);
  CHECK(col.ls == 0);
  CHECK(col.scm > 0);
}

TEST_CASE("adding a note marks the note, its card and its tags pending and bumps col.mod") {
  temp_dir tmp;
  fake_clock clock;
  auto d = must(device::create(tmp.path / "d", {clock.fn()}));
  clock.ms += 5000;
  auto added = must(d.add_note({"front", "back"}, {"one", "two"}));
  REQUIRE(added.card_ids.size() == 1);

  auto& col = d.collection();
  auto note = must(col.get_note(added.note_id));
  REQUIRE(note.has_value());
  CHECK(note->usn == -1);
  CHECK(note->mod == clock.ms / 1000);
  CHECK(note->tags == " one two ");
  CHECK(note->sfld == "front");
  auto card = must(col.get_card(added.card_ids[0]));
  REQUIRE(card.has_value());
  CHECK(card->usn == -1);
  CHECK(card->nid == added.note_id);
  CHECK(card->did == 1);
  CHECK(card->queue == 0);
  CHECK(must(col.pending_tags(-1)).size() == 2);
  CHECK(must(col.read_col()).mod == clock.ms);
}

TEST_CASE("col.mod only ever grows, even when the clock has not moved") {
  temp_dir tmp;
  fake_clock clock;
  auto d = must(device::create(tmp.path / "d", {clock.fn()}));
  must(d.add_tag("a"));
  const auto first = must(d.collection().read_col()).mod;
  must(d.add_tag("b"));
  CHECK(must(d.collection().read_col()).mod == first + 1);
}

TEST_CASE("deleting a note removes its cards and leaves pending graves for both") {
  temp_dir tmp;
  auto d = must(device::create(tmp.path / "d"));
  auto added = must(d.add_note({"x"}));
  must(d.delete_note(added.note_id));
  auto graves = must(d.collection().pending_graves(-1));
  CHECK(graves.notes == std::vector<std::int64_t>{added.note_id});
  CHECK(graves.cards == added.card_ids);
  CHECK_FALSE(must(d.collection().get_card(added.card_ids[0])).has_value());
}

TEST_CASE("a review adds a pending revlog entry and updates the card") {
  temp_dir tmp;
  auto d = must(device::create(tmp.path / "d"));
  auto added = must(d.add_note({"x"}));
  auto rid = must(d.review_card(added.card_ids[0], 3));
  auto entry = must(d.collection().get_revlog(rid));
  REQUIRE(entry.has_value());
  CHECK(entry->usn == -1);
  CHECK(entry->cid == added.card_ids[0]);
  auto card = must(d.collection().get_card(added.card_ids[0]));
  CHECK(card->reps == 1);
  CHECK(card->queue == 2);
  CHECK(card->usn == -1);
}

TEST_CASE("deleting a deck takes its cards and their notes, the default deck stays") {
  temp_dir tmp;
  auto d = must(device::create(tmp.path / "d"));
  auto deck = must(d.add_deck("Parent"));
  auto child = must(d.add_deck("Parent::Child"));
  auto in_child = must(d.add_note({"x"}, {}, child));
  auto elsewhere = must(d.add_note({"y"}));
  must(d.delete_deck(deck));
  auto& col = d.collection();
  CHECK_FALSE(must(storage::find_deck(col, deck)).has_value());
  CHECK_FALSE(must(storage::find_deck(col, child)).has_value());
  CHECK_FALSE(must(col.get_note(in_child.note_id)).has_value());
  CHECK(must(col.get_note(elsewhere.note_id)).has_value());
  auto graves = must(col.pending_graves(-1));
  CHECK(graves.decks.size() == 2);

  must(d.delete_deck(1));
  auto def = must(storage::find_deck(col, 1));
  REQUIRE(def.has_value());
  CHECK(def->name == "Default");
  CHECK_FALSE(must(col.get_note(elsewhere.note_id)).has_value());
}

TEST_CASE("deleting a notetype changes the schema, renaming one does not") {
  temp_dir tmp;
  fake_clock clock;
  auto d = must(device::create(tmp.path / "d", {clock.fn()}));
  const auto scm = must(d.collection().read_col()).scm;
  auto nt = must(d.add_notetype("Mine"));
  must(d.add_note({"a", "b"}, {}, 1, nt));
  must(d.rename_notetype(nt, "Ours"));
  CHECK(must(d.collection().read_col()).scm == scm);
  CHECK(must(d.notetype_id("Ours")) == nt);
  clock.ms += 1000;
  must(d.delete_notetype(nt));
  CHECK(must(d.collection().read_col()).scm > scm);
  CHECK_FALSE(must(storage::find_notetype(d.collection(), nt)).has_value());
}

TEST_CASE("a notetype or deck named like an existing one gets a '+'") {
  temp_dir tmp;
  auto d = must(device::create(tmp.path / "d"));
  auto nt = must(d.add_notetype("basic"));
  CHECK(must(storage::find_notetype(d.collection(), nt))->name == "basic+");
  auto deck = must(d.add_deck("default"));
  CHECK(must(storage::find_deck(d.collection(), deck))->name == "default+");
}
