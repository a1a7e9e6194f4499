#pragma once

// Helpers for the schema 11 <-> 18 conversion tests: typed dumps of rows,
// the shape of a schema, hand-made schema-11 files, and collections taken
// out of .apkg packages.

#include <sqlite3.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "storage/collection_schema.hpp"
#include "storage/unicase.hpp"
#include "tests/storage/collection_helpers.hpp"

namespace ankisync::storage::test {

// A private connection with the unicase collation, closed on scope exit.
struct raw_db {
  sqlite3* db = nullptr;
  explicit raw_db(const std::filesystem::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw std::runtime_error("open " + file.string());
    sqlite3_extended_result_codes(db, 1);
    if (!register_unicase(db)) throw std::runtime_error("unicase");
  }
  ~raw_db() { sqlite3_close_v2(db); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;
  operator sqlite3*() const { return db; }

  void exec(const std::string& sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "exec";
      sqlite3_free(err);
      throw std::runtime_error(msg + " in: " + sql);
    }
  }
  // One value of the first row, as text ("" when there is none).
  std::string value(const std::string& sql) const {
    auto r = query_rows(db, sql);
    return r.empty() || r[0].empty() ? std::string() : r[0][0];
  }
};

// Every row of a query with each value tagged by its storage class
// (i:42, r:1.5, t:"x", b:<hex>, null), so "1" and 1 and x'31' differ.
inline std::vector<std::string> typed_rows(sqlite3* db, const std::string& sql) {
  std::vector<std::string> out;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    out.push_back("prepare failed: " + std::string(sqlite3_errmsg(db)));
    return out;
  }
  static constexpr char hex[] = "0123456789abcdef";
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      if (i != 0) row += " | ";
      switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER: row += "i:" + std::to_string(sqlite3_column_int64(stmt, i)); break;
      case SQLITE_FLOAT: row += "r:" + std::to_string(sqlite3_column_double(stmt, i)); break;
      case SQLITE_TEXT: {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        row += "t:\"" + std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))) + "\"";
        break;
      }
      case SQLITE_BLOB: {
        auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, i));
        row += "b:";
        for (int k = 0; k < sqlite3_column_bytes(stmt, i); ++k) {
          row += hex[p[k] >> 4];
          row += hex[p[k] & 15];
        }
        break;
      }
      default: row += "null";
      }
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  return out;
}

// All rows of a table in a stable order.
inline std::vector<std::string> table_rows(sqlite3* db, const std::string& table,
                                           const std::string& columns = "*") {
  return typed_rows(db, "select " + columns + " from \"" + table + "\" order by 1, 2, 3");
}

inline std::string lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Tables (columns with type, not-null and key position; WITHOUT ROWID or
// not) and indexes (unique, columns, partial) of a database, SQLite's own
// tables left out: equal shapes mean equal schemas whatever the DDL's
// formatting.
inline std::vector<std::string> schema_shape(sqlite3* db) {
  std::vector<std::string> out;
  for (auto& t : query_rows(db, "select name, sql from sqlite_master where type = 'table'"
                                " and name not like 'sqlite_%' order by name")) {
    std::string line = "table " + t[0] +
                       (lowered(t[1]).find("without rowid") != std::string::npos ? " without rowid" : "") + ":";
    for (auto& c : query_rows(db, "select name, type, \"notnull\", pk from pragma_table_info('" + t[0] + "')"))
      line += " " + c[0] + " " + lowered(c[1]) + " " + c[2] + " " + c[3] + ";";
    out.push_back(line);
  }
  for (auto& ix : query_rows(db, "select name, tbl_name from sqlite_master where type = 'index'"
                                 " and name not like 'sqlite_autoindex%' order by name")) {
    auto info = query_rows(db, "select \"unique\", partial from pragma_index_list('" + ix[1] +
                                   "') where name = '" + ix[0] + "'");
    std::string line = "index " + ix[0] + " on " + ix[1] + " unique=" + info[0][0] +
                       (info[0][1] == "1" ? " partial" : "") + ":";
    for (auto& c : query_rows(db, "select name, coll from pragma_index_xinfo('" + ix[0] +
                                      "') where key = 1 order by seqno"))
      line += " " + c[0] + " " + lowered(c[1]);
    out.push_back(line);
  }
  return out;
}

// The five JSON columns of a schema-11 col row.
struct schema11_json {
  std::string conf = "{}";
  std::string models = "{}";
  std::string decks = "{}";
  std::string dconf = "{}";
  std::string tags = "{}";
};

// Creates a schema-11 collection file the way Anki 2.1's schema11.sql lays
// it out (the core tables, keyless graves) with the given col row.
inline void make_schema11_file(const std::filesystem::path& file, const schema11_json& j,
                               std::int64_t usn = 0, std::int64_t ver = 11) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) throw std::runtime_error("create " + file.string());
  std::string ddl = std::string(schema11_core_ddl) + std::string(schema11_graves_ddl);
  char* err = nullptr;
  if (sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "ddl";
    sqlite3_free(err);
    sqlite3_close(db);
    throw std::runtime_error(msg);
  }
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db,
                     "insert into col values (1, 1600000000, 1600000000123, 1600000000456, ?, 0, ?,"
                     " 1600000000789, ?, ?, ?, ?, ?)",
                     -1, &s, nullptr);
  sqlite3_bind_int64(s, 1, ver);
  sqlite3_bind_int64(s, 2, usn);
  int i = 3;
  for (const std::string* text : {&j.conf, &j.models, &j.decks, &j.dconf, &j.tags})
    sqlite3_bind_text(s, i++, text->c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  sqlite3_close(db);
  if (rc != SQLITE_DONE) throw std::runtime_error("insert col");
}

// Writes `collection.anki2` from the .apkg (zip) at `apkg` to `dest`.
inline void extract_apkg_collection(const std::filesystem::path& apkg,
                                    const std::filesystem::path& dest) {
  int error = 0;
  zip_t* z = zip_open(apkg.c_str(), ZIP_RDONLY, &error);
  if (z == nullptr) throw std::runtime_error("zip_open " + apkg.string());
  zip_file_t* f = zip_fopen(z, "collection.anki2", 0);
  if (f == nullptr) {
    zip_close(z);
    throw std::runtime_error("no collection.anki2 in " + apkg.string());
  }
  std::ofstream out(dest, std::ios::binary);
  char buf[16384];
  zip_int64_t n = 0;
  while ((n = zip_fread(f, buf, sizeof buf)) > 0) out.write(buf, static_cast<std::streamsize>(n));
  zip_fclose(f);
  zip_close(z);
  if (n < 0 || !out) throw std::runtime_error("extract " + apkg.string());
}

namespace detail {
inline bool json_number(const boost::json::value& v) { return v.is_number(); }
} // namespace detail

// True if every key of `expected` (recursively, inside objects and arrays
// of equal length) is in `actual` with an equal value; numbers compare by
// value (1 == 1.0), so a converter may write integral floats as floats.
// `path` names the first difference in `why`.
inline bool json_covers(const boost::json::value& actual, const boost::json::value& expected,
                        std::string& why, const std::string& path = "") {
  if (detail::json_number(actual) && detail::json_number(expected)) {
    if (actual.to_number<double>() == expected.to_number<double>()) return true;
    why = path + ": " + boost::json::serialize(actual) + " != " + boost::json::serialize(expected);
    return false;
  }
  if (expected.is_object() && actual.is_object()) {
    for (const auto& [k, v] : expected.get_object()) {
      const auto* a = actual.get_object().if_contains(k);
      if (a == nullptr) {
        why = path + "." + std::string(k) + ": missing";
        return false;
      }
      if (!json_covers(*a, v, why, path + "." + std::string(k))) return false;
    }
    return true;
  }
  if (expected.is_array() && actual.is_array()) {
    const auto& e = expected.get_array();
    const auto& a = actual.get_array();
    if (e.size() != a.size()) {
      why = path + ": array size " + std::to_string(a.size()) + " != " + std::to_string(e.size());
      return false;
    }
    for (std::size_t i = 0; i < e.size(); ++i)
      if (!json_covers(a[i], e[i], why, path + "[" + std::to_string(i) + "]")) return false;
    return true;
  }
  if (actual == expected) return true;
  why = path + ": " + boost::json::serialize(actual) + " != " + boost::json::serialize(expected);
  return false;
}

} // namespace ankisync::storage::test
