// Opens a collection written by a real (third-party) Anki client. The file
// lives in the shared workspace next to the repository; without it (a
// plain clone) these tests compile out.

#ifdef ANKISYNC_FIXTURES_DIR

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "storage/collection.hpp"
#include "storage/html_text.hpp"
#include "storage/note_fields.hpp"
#include "tests/storage/collection_helpers.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace ankisync::storage;
using namespace ankisync::storage::test;

namespace {

// SQLite writes to files it opens, so tests work on a copy.
std::filesystem::path copy_fixture(const temp_dir& dir, const std::string& name) {
  auto from = std::filesystem::path(ANKISYNC_FIXTURES_DIR) / name;
  auto to = dir / name;
  std::filesystem::copy_file(from, to);
  std::filesystem::permissions(to, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  return to;
}

} // namespace

TEST_CASE("the real 74-note collection opens and reads") {
  temp_dir dir;
  auto file = copy_fixture(dir, "schema18-real-74notes.anki2");
  collection_options options;
  options.create_if_missing = false;
  options.check_integrity = true; // as upstream checks uploads
  auto col = collection::open(file, options);
  REQUIRE(col);

  auto c = col->read_col();
  REQUIRE(c);
  CHECK(c->ver == 18);
  CHECK(c->crt == 1724126400);
  CHECK(c->usn == 0);

  auto counts = col->counts();
  REQUIRE(counts);
  CHECK(counts->notes == 74);
  CHECK(counts->cards == 74);
  CHECK(counts->revlog == 4);
  CHECK(counts->notetypes == 1);
  CHECK(counts->decks == 3);
  CHECK(counts->deck_config == 1);
  CHECK(col->all_config().value().size() == 16);

  auto note = col->get_note(1724188868750);
  REQUIRE(note);
  REQUIRE(*note);
  CHECK((*note)->sfld == "- **Cloud NAT**");
  CHECK((*note)->csum == 3650950149u);
  CHECK(split_fields((*note)->flds).size() == 2);

  auto card = col->get_card(1724188868750);
  REQUIRE(card);
  REQUIRE(*card);
  CHECK((*card)->nid == 1724188868750);
  CHECK((*card)->data == "{}");

  auto review = col->get_revlog(1770754441498);
  REQUIRE(review);
  REQUIRE(*review);
  CHECK((*review)->cid == 1724247100560);
  CHECK((*review)->ivl == -600);

  CHECK(col->pending_ids(synced_table::notes, 0).value().size() == 74);
  CHECK(col->pending_ids(synced_table::revlog, 0).value().size() == 4);
  CHECK(col->pending_ids(synced_table::cards, 1).value().empty());
  CHECK(col->table_with_pending_row().value() == std::nullopt);
}

TEST_CASE("our sfld and csum agree with the fixture's notes") {
  temp_dir dir;
  auto col = collection::open(copy_fixture(dir, "schema18-real-74notes.anki2"));
  REQUIRE(col);
  // The fixture's one notetype sorts by its first field.
  auto ids = col->pending_ids(synced_table::notes, 0);
  REQUIRE(ids);
  REQUIRE(ids->size() == 74);
  for (auto id : *ids) {
    auto note = col->get_note(id).value().value();
    auto fields = split_fields(note.flds);
    INFO(note.flds);
    CHECK(compute_sort_field(fields, 0) == note.sfld);
    CHECK(compute_checksum(fields[0]) == note.csum);
  }
}

TEST_CASE("the real collection takes writes despite its older layout") {
  temp_dir dir;
  auto file = copy_fixture(dir, "schema18-real-74notes.anki2");
  {
    auto col = collection::open(file);
    REQUIRE(col);
    REQUIRE(col->begin());
    // tags lacks `collapsed` here.
    auto tag = col->register_tag("Cloud::NAT", 1);
    REQUIRE(tag);
    CHECK(tag->added);
    CHECK_FALSE(col->register_tag("cloud::nat", 1).value().added);
    // graves is the keyless pre-18 table: no duplicate graves either.
    REQUIRE(col->remove_note(1724188868763, 1));
    REQUIRE(col->remove_note(1724188868763, 2));
    REQUIRE(col->remove_card(1724188868764, 1));
    auto note = col->get_note(1724188868750).value().value();
    note.flds = "<i>Cloud</i> NAT\x1f" "back";
    note.usn = 1;
    REQUIRE(col->put_note(note, {2, 0}));
    REQUIRE(col->set_usn(1));
    REQUIRE(col->commit());
  }
  collection_options options;
  options.check_integrity = true;
  auto col = collection::open(file, options);
  REQUIRE(col);
  CHECK(col->counts().value().notes == 73);
  CHECK(col->counts().value().cards == 73);
  CHECK(col->counts().value().graves == 2);
  CHECK(col->pending_graves(1).value() ==
        graves_by_kind{{1724188868764}, {1724188868763}, {}});
  CHECK(col->pending_tags(1).value() == std::vector<std::string>{"Cloud::NAT"});
  CHECK(col->get_note(1724188868750).value()->sfld == "Cloud NAT");
  CHECK(col->integrity_check().value() == "ok");
}

#endif // ANKISYNC_FIXTURES_DIR
