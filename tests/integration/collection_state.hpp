#pragma once

// A server collection as devices see it, to check that a refused or
// failed request changed nothing.

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace ankisync::integration {

// Note count, scm, mod and usn, read from the file itself.
inline std::string collection_state(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "select (select count() from notes) || ' ' || scm || ' ' || mod || "
                             "' ' || usn from col",
                             -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  std::string out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

} // namespace ankisync::integration
