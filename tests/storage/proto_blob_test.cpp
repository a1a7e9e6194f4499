#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <string>

#include "objects_db.hpp"
#include "storage/decks_table.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/proto_blob.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::objects_db;

namespace {

// Field 100 (length-delimited "hi") and field 101 (varint 300): fields a
// newer Anki might write and we do not know.
const std::string unknown_fields = std::string("\xa2\x06\x02hi\xa8\x06\xac\x02", 9);

std::string column_blob(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
  std::string out = "<none>";
  if (sqlite3_step(s) == SQLITE_ROW) {
    if (sqlite3_column_type(s, 0) == SQLITE_BLOB) {
      auto* p = static_cast<const char*>(sqlite3_column_blob(s, 0));
      out.assign(p == nullptr ? "" : p, static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
    } else {
      out = "<type " + std::to_string(sqlite3_column_type(s, 0)) + ">";
    }
  }
  sqlite3_finalize(s);
  return out;
}

notetype_row tiny_notetype(std::int64_t id, std::string name) {
  notetype_row nt;
  nt.id = id;
  nt.name = std::move(name);
  nt.fields.push_back({0, "Front", {}});
  nt.templates.push_back({0, "Card 1", 0, 0, {}});
  nt.templates[0].config.set_q_format("{{Front}}");
  return nt;
}

} // namespace

TEST_CASE("unknown protobuf fields survive decode and encode", "[proto_blob]") {
  pb::NotetypeConfig c;
  c.set_css("x");
  c.set_other(R"({"vers":[]})");
  std::string bytes = c.SerializeAsString() + unknown_fields;
  pb::NotetypeConfig back;
  REQUIRE(back.ParseFromString(bytes));
  CHECK(back.css() == "x");
  std::string again = back.SerializeAsString();
  CHECK(again.find(unknown_fields) != std::string::npos);
  // Field 255 `other` is written with key bytes FA 0F, as upstream's.
  CHECK(again.find("\xfa\x0f") != std::string::npos);
}

TEST_CASE("unknown fields in stored blobs are written back by a rewrite", "[proto_blob]") {
  objects_db t;
  REQUIRE(put_notetype(t.db, tiny_notetype(10, "Tiny")));
  // Simulate a newer client's blob: our message plus fields we do not know.
  const char* sql = "UPDATE fields SET config = CAST(config || X'a206026869a806ac02' AS BLOB)";
  REQUIRE(sqlite3_exec(t.db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  auto nt = get_notetype(t.db, 10);
  REQUIRE(nt);
  REQUIRE(*nt);
  (*nt)->name = "Tiny renamed";
  REQUIRE(put_notetype(t.db, **nt));
  std::string stored = column_blob(t.db, "SELECT config FROM fields WHERE ntid = 10");
  CHECK(stored.find(unknown_fields) != std::string::npos);
}

TEST_CASE("an all-default message is stored as a zero-length blob, not NULL", "[proto_blob]") {
  objects_db t;
  deck_row d;
  d.id = 5;
  d.name = "Empty";
  d.kind.mutable_normal(); // normal, all defaults: encodes to "\x0a\x00"
  REQUIRE(put_deck(t.db, d));
  CHECK(column_blob(t.db, "SELECT common FROM decks WHERE id = 5").empty());
  auto back = get_deck(t.db, 5);
  REQUIRE(back);
  REQUIRE(*back);
  CHECK((*back)->kind.has_normal());
}

TEST_CASE("a TEXT value or garbage in a protobuf column is corrupt", "[proto_blob]") {
  objects_db t;
  REQUIRE(sqlite3_exec(t.db,
                       "INSERT INTO notetypes VALUES (1, 'A', 0, 0, 'text');"
                       "INSERT INTO notetypes VALUES (2, 'B', 0, 0, X'ffff');"
                       "INSERT INTO decks VALUES (3, 'C', 0, 0, X'', X'');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  auto a = get_notetype(t.db, 1);
  REQUIRE_FALSE(a);
  CHECK(a.error().code == storage_errc::corrupt);
  auto b = get_notetype(t.db, 2);
  REQUIRE_FALSE(b);
  CHECK(b.error().code == storage_errc::corrupt);
  auto c = get_deck(t.db, 3); // a deck without a kind
  REQUIRE_FALSE(c);
  CHECK(c.error().code == storage_errc::corrupt);
}
