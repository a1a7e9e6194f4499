#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "storage/unicase.hpp"

using namespace ankisync::storage;

namespace {

int sign(int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

} // namespace

TEST_CASE("unicase orders the examples of collection-schema.md like unicase 2.6.0") {
  struct example {
    std::string a, b;
    int expected;
  };
  const example examples[] = {
      {"Basic", "basic", 0},
      {"a", "B", -1},
      {"a", "AA", -1},
      {"Maße", "MASSE", 0},          // full folding: ß -> ss
      {"\uFB02our", "flour", 0},      // U+FB02 LATIN SMALL LIGATURE FL
      {"Ä", "ä", 0},
      {"\uFB03", "ffi", 1},           // the three-point quirk: ﬃ folds to "i f f"
      {"_x", "Ax", -1},              // folding lowers, so '_' sorts before letters
  };
  for (const auto& e : examples) {
    INFO(e.a << " vs " << e.b);
    CHECK(sign(unicase_compare(e.a, e.b)) == e.expected);
    CHECK(sign(unicase_compare(e.b, e.a)) == -e.expected);
  }
}

TEST_CASE("unicase folds like Unicode 12.0 CaseFolding C+F") {
  CHECK(unicase_equal("ǅ", "ǆ"));             // titlecase digraph
  CHECK(unicase_equal("Σ", "σ"));
  CHECK(unicase_equal("ς", "σ"));             // final sigma folds (status C)
  CHECK(unicase_equal("\u212A", "k"));        // KELVIN SIGN, only on the Unicode path
  CHECK(unicase_equal("\u1E9E", "ss"));       // capital sharp s, full fold
  CHECK(unicase_equal("İ", "i\u0307"));       // F fold, not Turkic T
  CHECK(unicase_equal("\U00010400", "\U00010428")); // Deseret, outside the BMP
  CHECK(unicase_equal("\uA7B8", "\uA7B9"));   // added in Unicode 11
  CHECK(unicase_equal("\uA7C2", "\uA7C3"));   // added in Unicode 12.0
  // Assigned after Unicode 12.0, so unicase 2.6.0 leaves them alone.
  CHECK_FALSE(unicase_equal("\uA7C7", "\uA7C8")); // Unicode 13
  CHECK_FALSE(unicase_equal("\u2C2F", "\u2C5F")); // Unicode 14
}

TEST_CASE("three-point folds come out third, first, second") {
  // U+0390 folds to ΐ = 03B9 0308 0301, yielded as 0301 03B9 0308.
  CHECK(unicase_key("\u0390") == "\u0301\u03B9\u0308");
  CHECK(unicase_key("\uFB03") == "iff");
  CHECK(unicase_key("\uFB04") == "lff");
  // So the precomposed letter is not equal to its own fold spelled out.
  CHECK_FALSE(unicase_equal("\u0390", "\u03B9\u0308\u0301"));
  // Two-point folds keep their order.
  CHECK(unicase_key("ß") == "ss");
  CHECK(unicase_key("ŉ") == "\u02BCn");
}

TEST_CASE("unicase_key sorts like unicase_compare") {
  std::vector<std::string> words = {"b",   "A",  "_",  "ß",  "st",  "SS", "ﬃ",  "ffj",
                                    "ä",   "Z",  "[",  "ǅ",  "Ω",   "ω",  "é",  "E\u0301",
                                    "\xff", "",   "aa", "AB", "\uFFFD", "😀"};
  for (const auto& a : words)
    for (const auto& b : words) {
      INFO(a << " vs " << b);
      CHECK(sign(unicase_compare(a, b)) == sign(unicase_key(a).compare(unicase_key(b))));
    }
}

TEST_CASE("ill-formed UTF-8 compares as U+FFFD per maximal subpart") {
  // Rust's from_utf8_lossy: one U+FFFD for a truncated sequence...
  CHECK(unicase_key("a\xE2\x82") == "a\uFFFD");
  // ...one per byte that cannot start or continue a sequence...
  CHECK(unicase_key("\xC0\xAF") == "\uFFFD\uFFFD");
  CHECK(unicase_key("\xED\xA0\x80") == "\uFFFD\uFFFD\uFFFD"); // a surrogate
  // ...and the byte after an interrupted sequence starts afresh.
  CHECK(unicase_key("\xC3(") == "\uFFFD(");
  CHECK(unicase_equal("\xFF", "\uFFFD"));
}

TEST_CASE("the collation orders and compares SQLite text") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  REQUIRE(register_unicase(db));
  REQUIRE(sqlite3_exec(db,
                       "create table t (name text primary key collate unicase) without rowid;"
                       "insert into t values ('basic'), ('Cloze'), ('_x'), ('Ärger');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);

  // The primary key refuses a name equal under unicase.
  CHECK(sqlite3_exec(db, "insert into t values ('BASIC')", nullptr, nullptr, nullptr) ==
        SQLITE_CONSTRAINT);

  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "select name from t order by name", -1, &stmt, nullptr) ==
          SQLITE_OK);
  std::vector<std::string> names;
  while (sqlite3_step(stmt) == SQLITE_ROW)
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  sqlite3_finalize(stmt);
  CHECK(names == std::vector<std::string>{"_x", "basic", "Cloze", "Ärger"});

  char* error = nullptr;
  sqlite3_exec(db, "pragma integrity_check", nullptr, nullptr, &error);
  CHECK(error == nullptr);
  sqlite3_close(db);
}
