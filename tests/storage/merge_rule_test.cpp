// The merge rule is stated twice, as C++ (stored_row_wins, used before a
// row is normalised) and as the SQL condition of the card and note upserts;
// these tests hold the two to the same answer on every case.

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <optional>
#include <string>

#include "storage/merge_rule.hpp"

using namespace ankisync::storage;

namespace {

// Evaluates incoming_wins_sql for one stored row and incoming mtime in an
// in-memory database, through the same kind of upsert the collection runs.
bool sql_replaces(row_stamp stored, std::int64_t incoming_mod, merge_rule rule) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "create table t (id integer primary key, mod integer, usn integer)",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  const std::string seed = "insert into t values (1, " + std::to_string(stored.mod) + ", " +
                           std::to_string(stored.usn) + ")";
  REQUIRE(sqlite3_exec(db, seed.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  const std::string sql = "insert into t values (1, ?1, 99) on conflict (id) do update set"
                          " mod = excluded.mod, usn = excluded.usn where " +
                          incoming_wins_sql("t.mod", "t.usn", "excluded.mod", 2, 3);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  sqlite3_bind_int64(stmt, 1, incoming_mod);
  sqlite3_bind_int(stmt, 2, rule.min_usn);
  sqlite3_bind_int(stmt, 3, rule.ties_to_incoming ? 1 : 0);
  REQUIRE(sqlite3_step(stmt) == SQLITE_DONE);
  sqlite3_finalize(stmt);
  sqlite3_stmt* read = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "select usn from t where id = 1", -1, &read, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_step(read) == SQLITE_ROW);
  const bool replaced = sqlite3_column_int(read, 0) == 99;
  sqlite3_finalize(read);
  sqlite3_close(db);
  return replaced;
}

} // namespace

TEST_CASE("the SQL merge condition and stored_row_wins agree on every case") {
  int cases = 0;
  for (std::int32_t stored_usn : {-1, 0, 4, 5, 6}) {
    for (std::int32_t min_usn : {-1, 0, 5}) {
      for (std::int64_t incoming_mod : {999, 1000, 1001}) {
        for (bool ties : {false, true}) {
          const row_stamp stored{1000, stored_usn};
          const merge_rule rule{min_usn, ties};
          INFO("stored usn " << stored_usn << ", min usn " << min_usn << ", incoming mod "
                             << incoming_mod << ", ties to incoming " << ties);
          CHECK(sql_replaces(stored, incoming_mod, rule) ==
                !stored_row_wins(stored, incoming_mod, rule));
          ++cases;
        }
      }
    }
  }
  CHECK(cases == 90);
}

TEST_CASE("a pending stored row keeps its place against an older or tied incoming one") {
  const merge_rule rule{5, false};
  CHECK(stored_row_wins(row_stamp{1000, 5}, 999, rule));
  CHECK(stored_row_wins(row_stamp{1000, 5}, 1000, rule));
  CHECK_FALSE(stored_row_wins(row_stamp{1000, 5}, 1001, rule));
  CHECK_FALSE(stored_row_wins(row_stamp{1000, 5}, 1000, merge_rule{5, true}));
  // Not pending for the other side: the incoming row always wins.
  CHECK_FALSE(stored_row_wins(row_stamp{1000, 4}, 1, rule));
  CHECK_FALSE(stored_row_wins(std::nullopt, 1, rule));
}
