#include "tests/integration/collection_file.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <stdexcept>

#include "storage/unicase.hpp"

namespace ankisync::integration {

namespace {

std::string hex(const void* data, int n) {
  static const char* digits = "0123456789abcdef";
  std::string out = "x'";
  auto p = static_cast<const unsigned char*>(data);
  for (int i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out + "'";
}

std::string value_text(sqlite3_stmt* s, int i) {
  switch (sqlite3_column_type(s, i)) {
  case SQLITE_INTEGER:
    return std::to_string(sqlite3_column_int64(s, i));
  case SQLITE_FLOAT: {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(s, i));
    return buf;
  }
  case SQLITE_TEXT:
    return "'" + std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, i)),
                             sqlite3_column_bytes(s, i)) +
           "'";
  case SQLITE_BLOB:
    return hex(sqlite3_column_blob(s, i), sqlite3_column_bytes(s, i));
  default:
    return "NULL";
  }
}

struct statement {
  sqlite3_stmt* s = nullptr;
  statement(sqlite3* db, std::string_view sql) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s, nullptr) !=
        SQLITE_OK)
      throw std::runtime_error("prepare '" + std::string(sql) + "': " + sqlite3_errmsg(db));
  }
  ~statement() { sqlite3_finalize(s); }
  bool step() {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
      return true;
    if (rc == SQLITE_DONE)
      return false;
    throw std::runtime_error(std::string("step: ") + sqlite3_errmsg(sqlite3_db_handle(s)));
  }
};

} // namespace

collection_file::collection_file(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path))
    throw std::runtime_error("no collection at " + path.string());
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error("open " + path.string() + ": " + sqlite3_errmsg(db_));
  sqlite3_busy_timeout(db_, 2000);
  // Tag and name indexes use it; a plan that touches them needs it.
  if (!storage::register_unicase(db_))
    throw std::runtime_error("cannot register unicase");
}

collection_file::~collection_file() { sqlite3_close_v2(db_); }

std::string collection_file::integrity_check() {
  statement s(db_, "pragma integrity_check");
  if (!s.step())
    return "no answer";
  return reinterpret_cast<const char*>(sqlite3_column_text(s.s, 0));
}

std::int64_t collection_file::scalar(std::string_view sql) {
  statement s(db_, sql);
  if (!s.step())
    throw std::runtime_error("no row from " + std::string(sql));
  return sqlite3_column_int64(s.s, 0);
}

col_state collection_file::col() {
  statement s(db_, "select crt, mod, scm, ver, usn, ls from col");
  if (!s.step())
    throw std::runtime_error("no col row");
  col_state c;
  c.crt = sqlite3_column_int64(s.s, 0);
  c.mod = sqlite3_column_int64(s.s, 1);
  c.scm = sqlite3_column_int64(s.s, 2);
  c.ver = sqlite3_column_int64(s.s, 3);
  c.usn = static_cast<std::int32_t>(sqlite3_column_int64(s.s, 4));
  c.ls = sqlite3_column_int64(s.s, 5);
  return c;
}

table_counts collection_file::counts() {
  table_counts c;
  c.cards = scalar("select count() from cards");
  c.notes = scalar("select count() from notes");
  c.revlog = scalar("select count() from revlog");
  c.graves = scalar("select count() from graves");
  c.notetypes = scalar("select count() from notetypes");
  c.decks = scalar("select count() from decks");
  c.deck_config = scalar("select count() from deck_config");
  c.config = scalar("select count() from config");
  c.tags = scalar("select count() from tags");
  return c;
}

std::vector<std::string> collection_file::rows(std::string_view table, std::string_view order_by,
                                               const std::vector<std::string>& skip) {
  statement s(db_, "select * from " + std::string(table) + " order by " + std::string(order_by));
  std::vector<std::string> out;
  while (s.step()) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(s.s); ++i) {
      std::string name = sqlite3_column_name(s.s, i);
      if (std::find(skip.begin(), skip.end(), name) != skip.end())
        continue;
      if (!row.empty())
        row += ", ";
      row += name + "=" + value_text(s.s, i);
    }
    out.push_back(std::move(row));
  }
  return out;
}

const std::vector<table_spec>& sync_tables() {
  static const std::vector<table_spec> tables = {
      // mod and ls are each side's last finish; usn is the server's usn
      // after the device's last sync. Devices that synced at different
      // times differ in all three; crt, scm and ver must agree.
      {"col", "id", {"mod", "usn", "ls"}},
      {"notes", "id", {}},
      {"cards", "id", {}},
      {"revlog", "id", {}},
      // The sender stamps its graves with the server usn of its sync; the
      // others record them with the usn of the sync that brought them.
      {"graves", "oid, type", {"usn"}},
      {"notetypes", "id", {}},
      {"fields", "ntid, ord", {}},
      {"templates", "ntid, ord", {}},
      {"decks", "id", {}},
      {"deck_config", "id", {}},
      // Config travels whole; the receiver writes every key with its sync's
      // usn and the time of arrival, the sender resets usns to 0.
      {"config", "KEY", {"usn", "mtime_secs"}},
      // The sync sends tag names only (upstream's own test compares names).
      {"tags", "tag", {"usn"}},
  };
  return tables;
}

std::vector<std::string> differences(const std::filesystem::path& a,
                                     const std::filesystem::path& b,
                                     const std::vector<std::string>& also_skip) {
  collection_file fa(a), fb(b);
  std::vector<std::string> out;
  for (const auto& spec : sync_tables()) {
    auto skip = spec.per_device_columns;
    skip.insert(skip.end(), also_skip.begin(), also_skip.end());
    auto ra = fa.rows(spec.table, spec.order_by, skip);
    auto rb = fb.rows(spec.table, spec.order_by, skip);
    // Rows come ordered by key, not as strings: sort them for the diff.
    std::sort(ra.begin(), ra.end());
    std::sort(rb.begin(), rb.end());
    std::vector<std::string> only_a, only_b;
    std::set_difference(ra.begin(), ra.end(), rb.begin(), rb.end(), std::back_inserter(only_a));
    std::set_difference(rb.begin(), rb.end(), ra.begin(), ra.end(), std::back_inserter(only_b));
    for (auto& r : only_a)
      out.push_back(spec.table + ": only in " + a.parent_path().filename().string() + ": " + r);
    for (auto& r : only_b)
      out.push_back(spec.table + ": only in " + b.parent_path().filename().string() + ": " + r);
  }
  return out;
}

std::map<std::string, std::vector<std::string>> snapshot(const std::filesystem::path& file) {
  collection_file f(file);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& spec : sync_tables())
    out[spec.table] = f.rows(spec.table, spec.order_by);
  return out;
}

} // namespace ankisync::integration
