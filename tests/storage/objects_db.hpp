#pragma once

// An in-memory database with the empty schema-18 tables (no rows), for
// tests of the notetype, deck and deck config tables.

#include <sqlite3.h>

#include <stdexcept>
#include <string>

#include "storage/collection_schema.hpp"
#include "storage/unicase.hpp"

namespace ankisync::storage::test {

struct objects_db {
  sqlite3* db = nullptr;

  objects_db() {
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) throw std::runtime_error("open");
    sqlite3_extended_result_codes(db, 1);
    if (!register_unicase(db)) throw std::runtime_error("unicase");
    char* err = nullptr;
    std::string ddl(schema18_ddl);
    if (sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "ddl";
      sqlite3_free(err);
      throw std::runtime_error(msg);
    }
  }
  ~objects_db() { sqlite3_close(db); }
  objects_db(const objects_db&) = delete;
  objects_db& operator=(const objects_db&) = delete;

  // Runs one statement returning a single integer (e.g. a count).
  long long scalar(const std::string& sql) const {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
    long long v = -1;
    if (s != nullptr && sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
  }
};

} // namespace ankisync::storage::test
