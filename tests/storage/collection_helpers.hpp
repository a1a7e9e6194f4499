#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace ankisync::storage::test {

using rows = std::vector<std::vector<std::string>>;

// Every row of a query as text (NULL as "NULL"), for comparisons.
inline rows query_rows(sqlite3* db, const std::string& sql) {
  rows out;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    out.push_back({"prepare failed: " + std::string(sqlite3_errmsg(db))});
    return out;
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      row.push_back(p == nullptr ? "NULL"
                                 : std::string(p, static_cast<std::size_t>(
                                                      sqlite3_column_bytes(stmt, i))));
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  return out;
}

// All rows of all tables, in a stable order, as one string.
inline std::string dump_tables(sqlite3* db) {
  std::string out;
  for (auto& table : query_rows(db, "select name from sqlite_master where type = 'table'"
                                    " order by name")) {
    out += "== " + table[0] + "\n";
    for (auto& row : query_rows(db, "select * from \"" + table[0] + "\" order by 1, 2")) {
      for (auto& v : row) out += v + "|";
      out += "\n";
    }
  }
  return out;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace ankisync::storage::test
