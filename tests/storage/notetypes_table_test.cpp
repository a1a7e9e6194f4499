#include <catch2/catch.hpp>

#include "objects_db.hpp"
#include "storage/notetypes_table.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::objects_db;

namespace {

notetype_row make_notetype(std::int64_t id, std::string name, std::int32_t usn = 0) {
  notetype_row nt;
  nt.id = id;
  nt.name = std::move(name);
  nt.mtime_secs = 100;
  nt.usn = usn;
  nt.config.set_css(".card {}");
  nt.config.set_other(R"({"vers":[]})");
  for (const char* f : {"Front", "Back"}) {
    notetype_field_row field;
    field.ord = 99; // ignored: the position counts
    field.name = f;
    field.config.set_font_name("Arial");
    field.config.set_font_size(20);
    nt.fields.push_back(field);
  }
  notetype_template_row t;
  t.name = "Card 1";
  t.mtime_secs = 5;
  t.usn = 2;
  t.config.set_q_format("{{Front}}");
  nt.templates.push_back(t);
  return nt;
}

} // namespace

TEST_CASE("a notetype is stored with its fields and templates", "[notetypes_table]") {
  objects_db t;
  REQUIRE(put_notetype(t.db, make_notetype(1, "Basic")));
  auto nt = get_notetype(t.db, 1);
  REQUIRE(nt);
  REQUIRE(*nt);
  const auto& n = **nt;
  CHECK(n.name == "Basic");
  CHECK(n.mtime_secs == 100);
  CHECK(n.config.css() == ".card {}");
  CHECK(n.config.other() == R"({"vers":[]})");
  REQUIRE(n.fields.size() == 2);
  CHECK(n.fields[0].ord == 0);
  CHECK(n.fields[1].ord == 1);
  CHECK(n.fields[1].name == "Back");
  CHECK(n.fields[1].config.font_size() == 20);
  REQUIRE(n.templates.size() == 1);
  CHECK(n.templates[0].mtime_secs == 5);
  CHECK(n.templates[0].usn == 2);
  CHECK(n.templates[0].config.q_format() == "{{Front}}");
  auto missing = get_notetype(t.db, 2);
  REQUIRE(missing);
  CHECK_FALSE(*missing);
}

TEST_CASE("replacing a notetype rewrites its fields and templates", "[notetypes_table]") {
  objects_db t;
  REQUIRE(put_notetype(t.db, make_notetype(1, "Basic")));
  auto nt = make_notetype(1, "Basic v2");
  nt.fields.pop_back();
  REQUIRE(put_notetype(t.db, nt));
  auto back = get_notetype(t.db, 1);
  REQUIRE(back);
  CHECK((*back)->name == "Basic v2");
  CHECK((*back)->fields.size() == 1);
  CHECK(t.scalar("SELECT count() FROM fields") == 1);
  CHECK(*count_notetypes(t.db) == 1);
}

TEST_CASE("notetypes are found by name case-insensitively", "[notetypes_table]") {
  objects_db t;
  REQUIRE(put_notetype(t.db, make_notetype(1, "Basic")));
  auto id = notetype_id_by_name(t.db, "BASIC");
  REQUIRE(id);
  CHECK(*id == std::optional<std::int64_t>(1));
  auto nt = get_notetype_by_name(t.db, "basic");
  REQUIRE(nt);
  REQUIRE(*nt);
  CHECK((*nt)->fields.size() == 2);
  auto none = notetype_id_by_name(t.db, "Cloze");
  REQUIRE(none);
  CHECK_FALSE(*none);
}

TEST_CASE("pending notetypes are those at or above the usn", "[notetypes_table]") {
  objects_db t;
  REQUIRE(put_notetype(t.db, make_notetype(1, "A", 3)));
  REQUIRE(put_notetype(t.db, make_notetype(2, "B", 5)));
  REQUIRE(put_notetype(t.db, make_notetype(3, "C", -1)));
  auto p = pending_notetypes(t.db, 4);
  REQUIRE(p);
  REQUIRE(p->size() == 1);
  CHECK((*p)[0].id == 2);
  CHECK((*p)[0].templates.size() == 1);
  auto all = pending_notetypes(t.db, 0);
  REQUIRE(all);
  CHECK(all->size() == 2);
  auto local = pending_notetypes(t.db, -1); // a client's "not yet sent"
  REQUIRE(local);
  REQUIRE(local->size() == 1);
  CHECK((*local)[0].id == 3);
  auto everything = all_notetypes(t.db);
  REQUIRE(everything);
  CHECK(everything->size() == 3);
}

TEST_CASE("deleting a notetype removes its fields and templates", "[notetypes_table]") {
  objects_db t;
  REQUIRE(put_notetype(t.db, make_notetype(1, "A")));
  REQUIRE(put_notetype(t.db, make_notetype(2, "B")));
  REQUIRE(delete_notetype(t.db, 1));
  REQUIRE(delete_notetype(t.db, 77)); // absent: fine
  CHECK(*count_notetypes(t.db) == 1);
  CHECK(t.scalar("SELECT count() FROM fields WHERE ntid = 1") == 0);
  CHECK(t.scalar("SELECT count() FROM templates WHERE ntid = 1") == 0);
  CHECK(t.scalar("SELECT count() FROM fields WHERE ntid = 2") == 2);
}

TEST_CASE("a clashing notetype name gets '+' until unique", "[notetypes_table]") {
  objects_db t;
  REQUIRE(put_notetype(t.db, make_notetype(1, "Basic")));
  REQUIRE(put_notetype(t.db, make_notetype(2, "basic+")));
  auto incoming = make_notetype(3, "BASIC");
  auto renamed = ensure_notetype_name_unique(t.db, incoming, 42, 1700000000);
  REQUIRE(renamed);
  CHECK(*renamed);
  CHECK(incoming.name == "BASIC++");
  CHECK(incoming.usn == 42);
  CHECK(incoming.mtime_secs == 1700000000);
  REQUIRE(put_notetype(t.db, incoming));
  // The same notetype keeping its own name is not a clash.
  auto same = make_notetype(1, "BASIC");
  auto r = ensure_notetype_name_unique(t.db, same, 42, 1700000000);
  REQUIRE(r);
  CHECK_FALSE(*r);
  CHECK(same.name == "BASIC");
  CHECK(same.usn == 0);
}

TEST_CASE("storing a clashing name without the check is refused, and nothing is half-written",
          "[notetypes_table]") {
  objects_db t;
  REQUIRE(put_notetype(t.db, make_notetype(1, "Basic")));
  auto clash = put_notetype(t.db, make_notetype(2, "basic"));
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == storage_errc::exists);
  auto dup_fields = make_notetype(3, "Other");
  dup_fields.fields[1].name = "FRONT"; // field names are unique per notetype
  REQUIRE_FALSE(put_notetype(t.db, dup_fields));
  CHECK(*count_notetypes(t.db) == 1);
  CHECK(t.scalar("SELECT count() FROM fields WHERE ntid = 3") == 0);
  CHECK_FALSE(put_notetype(t.db, make_notetype(0, "Zero")));
}
