#include "tools/chaos/server_view.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "tests/integration/collection_file.hpp"

namespace ankisync::chaos {
namespace fs = std::filesystem;

namespace {

constexpr const char* object_tables[] = {"notes", "cards", "revlog"};

std::int64_t leading_id(const std::string& row) {
  // Rows start with "id=<n>".
  return std::stoll(row.substr(3));
}

row_map by_id(const std::vector<std::string>& rows) {
  row_map out;
  for (const auto& r : rows)
    out.emplace(leading_id(r), r);
  return out;
}

} // namespace

collection_view read_collection(const fs::path& file) {
  collection_view v;
  integration::collection_file f(file);
  const auto col = f.col();
  v.usn = col.usn;
  v.scm = col.scm;
  v.ls = col.ls;
  v.crt = col.crt;
  for (const auto& spec : integration::sync_tables())
    v.all[spec.table] = f.rows(spec.table, spec.order_by);
  for (const char* t : object_tables)
    v.objects[t] = by_id(f.rows(t, "id", {"usn"}));
  return v;
}

std::map<std::string, row_map> pending_objects(const fs::path& file) {
  integration::collection_file f(file);
  std::map<std::string, row_map> out;
  for (const char* t : object_tables) {
    auto all = f.rows(t, "id");
    auto without_usn = f.rows(t, "id", {"usn"});
    row_map pending;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].find(", usn=-1,") != std::string::npos ||
          all[i].ends_with(", usn=-1"))
        pending.emplace(leading_id(all[i]), without_usn[i]);
    out[t] = std::move(pending);
  }
  return out;
}

namespace {
std::set<std::int64_t> ids(const fs::path& file, const char* table) {
  integration::collection_file f(file);
  std::set<std::int64_t> out;
  for (const auto& r : f.rows(table, "id"))
    out.insert(leading_id(r));
  return out;
}
} // namespace

std::set<std::int64_t> revlog_ids(const fs::path& file) { return ids(file, "revlog"); }
std::set<std::int64_t> note_ids(const fs::path& file) { return ids(file, "notes"); }

std::int64_t row_field(const std::string& row, const std::string& name) {
  const std::string key = ", " + name + "=";
  const auto at = row.find(key);
  if (at == std::string::npos)
    return 0;
  return std::stoll(row.substr(at + key.size()));
}

media_map read_server_media(const fs::path& media_db) {
  media_map out;
  if (!fs::exists(media_db))
    return out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(media_db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + media_db.string());
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* s = nullptr;
  // A database whose creation failed (a fault while the server made its
  // tables) holds no media yet; the server makes the tables at next use.
  if (sqlite3_prepare_v2(db, "select 1 from sqlite_master where name = 'media'", -1, &s,
                         nullptr) == SQLITE_OK &&
      sqlite3_step(s) != SQLITE_ROW) {
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  }
  sqlite3_finalize(s);
  if (sqlite3_prepare_v2(db, "select fname, lower(hex(csum)) from media where size > 0", -1, &s,
                         nullptr) != SQLITE_OK) {
    const std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(media_db.string() + ": " + msg);
  }
  while (sqlite3_step(s) == SQLITE_ROW)
    out.emplace(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                reinterpret_cast<const char*>(sqlite3_column_text(s, 1)));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

} // namespace ankisync::chaos
