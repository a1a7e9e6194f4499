#include "storage/notetypes_table.hpp"

#include "storage/proto_blob.hpp"
#include "storage/sqlite_savepoint.hpp"
#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {

namespace {

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

constexpr std::string_view select_notetype =
    "SELECT id, name, mtime_secs, usn, config FROM notetypes";

result<notetype_row> core_from(const sqlite_stmt& s) {
  notetype_row nt;
  nt.id = s.int64(0);
  nt.name = s.text(1);
  nt.mtime_secs = s.int64(2);
  nt.usn = static_cast<std::int32_t>(s.int64(3));
  auto config = decode_blob<pb::NotetypeConfig>(s, 4, "notetypes.config");
  if (!config) return error_of(config);
  nt.config = std::move(*config);
  return nt;
}

result<void> load_fields_and_templates(sqlite3* db, notetype_row& nt) {
  auto fs = sqlite_stmt::prepare(db, "SELECT ord, name, config FROM fields WHERE ntid = ? ORDER BY ord");
  if (!fs) return error_of(fs);
  if (auto b = fs->bind(1, nt.id); !b) return b;
  while (true) {
    auto more = fs->step();
    if (!more) return error_of(more);
    if (!*more) break;
    notetype_field_row f;
    f.ord = static_cast<std::uint32_t>(fs->int64(0));
    f.name = fs->text(1);
    auto config = decode_blob<pb::NotetypeFieldConfig>(*fs, 2, "fields.config");
    if (!config) return error_of(config);
    f.config = std::move(*config);
    nt.fields.push_back(std::move(f));
  }
  auto ts = sqlite_stmt::prepare(
      db, "SELECT ord, name, mtime_secs, usn, config FROM templates WHERE ntid = ? ORDER BY ord");
  if (!ts) return error_of(ts);
  if (auto b = ts->bind(1, nt.id); !b) return b;
  while (true) {
    auto more = ts->step();
    if (!more) return error_of(more);
    if (!*more) break;
    notetype_template_row t;
    t.ord = static_cast<std::uint32_t>(ts->int64(0));
    t.name = ts->text(1);
    t.mtime_secs = ts->int64(2);
    t.usn = static_cast<std::int32_t>(ts->int64(3));
    auto config = decode_blob<pb::NotetypeTemplateConfig>(*ts, 4, "templates.config");
    if (!config) return error_of(config);
    t.config = std::move(*config);
    nt.templates.push_back(std::move(t));
  }
  return {};
}

// Runs a notetypes SELECT (parameters already bound) and completes each row.
result<std::vector<notetype_row>> collect(sqlite3* db, sqlite_stmt& s) {
  std::vector<notetype_row> out;
  while (true) {
    auto more = s.step();
    if (!more) return error_of(more);
    if (!*more) break;
    auto nt = core_from(s);
    if (!nt) return error_of(nt);
    out.push_back(std::move(*nt));
  }
  for (auto& nt : out)
    if (auto r = load_fields_and_templates(db, nt); !r) return std::unexpected(r.error());
  return out;
}

result<std::optional<notetype_row>> first_of(result<std::vector<notetype_row>> rows) {
  if (!rows) return error_of(rows);
  if (rows->empty()) return std::nullopt;
  return std::move(rows->front());
}

} // namespace

result<std::optional<notetype_row>> get_notetype(sqlite3* db, std::int64_t id) {
  auto s = sqlite_stmt::prepare(db, std::string(select_notetype) + " WHERE id = ?");
  if (!s) return error_of(s);
  if (auto b = s->bind(1, id); !b) return std::unexpected(b.error());
  return first_of(collect(db, *s));
}

result<std::optional<std::int64_t>> notetype_id_by_name(sqlite3* db, std::string_view name) {
  // The column's unicase collation makes this comparison case-insensitive.
  auto s = sqlite_stmt::prepare(db, "SELECT id FROM notetypes WHERE name = ?");
  if (!s) return error_of(s);
  if (auto b = s->bind(1, name); !b) return std::unexpected(b.error());
  auto more = s->step();
  if (!more) return error_of(more);
  if (!*more) return std::nullopt;
  return s->int64(0);
}

result<std::optional<notetype_row>> get_notetype_by_name(sqlite3* db, std::string_view name) {
  auto s = sqlite_stmt::prepare(db, std::string(select_notetype) + " WHERE name = ?");
  if (!s) return error_of(s);
  if (auto b = s->bind(1, name); !b) return std::unexpected(b.error());
  return first_of(collect(db, *s));
}

result<std::vector<notetype_row>> all_notetypes(sqlite3* db) {
  auto s = sqlite_stmt::prepare(db, std::string(select_notetype) + " ORDER BY id");
  if (!s) return error_of(s);
  return collect(db, *s);
}

result<std::vector<notetype_row>> pending_notetypes(sqlite3* db, std::int32_t min_usn) {
  auto s = sqlite_stmt::prepare(db, std::string(select_notetype) +
                                        (min_usn == -1 ? " WHERE usn = -1" : " WHERE usn >= ?") +
                                        " ORDER BY id");
  if (!s) return error_of(s);
  if (min_usn != -1)
    if (auto b = s->bind(1, std::int64_t{min_usn}); !b) return std::unexpected(b.error());
  return collect(db, *s);
}

result<std::int64_t> count_notetypes(sqlite3* db) {
  auto s = sqlite_stmt::prepare(db, "SELECT count() FROM notetypes");
  if (!s) return error_of(s);
  auto more = s->step();
  if (!more) return error_of(more);
  return s->int64(0);
}

result<void> put_notetype(sqlite3* db, const notetype_row& nt) {
  if (nt.id == 0) return fail(storage_errc::invalid, "notetype with id 0");
  auto config = encode_blob(nt.config, "notetype config");
  if (!config) return error_of(config);
  auto sp = sqlite_savepoint::begin(db);
  if (!sp) return error_of(sp);

  auto core = sqlite_stmt::prepare(
      db,
      // An upsert, not upstream's INSERT OR REPLACE: REPLACE would silently
      // delete another notetype holding the same name (and strand its
      // notes); here the name index refuses instead.
      "INSERT INTO notetypes (id, name, mtime_secs, usn, config) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, mtime_secs = excluded.mtime_secs, "
      "usn = excluded.usn, config = excluded.config");
  if (!core) return error_of(core);
  if (auto b = core->bind_all(nt.id, std::string_view(nt.name), nt.mtime_secs, std::int64_t{nt.usn}); !b)
    return b;
  if (auto b = core->bind_blob(5, *config); !b) return b;
  if (auto r = core->run(); !r) return r;

  // Fields and templates are rewritten wholesale, renumbered by position.
  for (const char* sql : {"DELETE FROM fields WHERE ntid = ?", "DELETE FROM templates WHERE ntid = ?"}) {
    auto del = sqlite_stmt::prepare(db, sql);
    if (!del) return error_of(del);
    if (auto b = del->bind(1, nt.id); !b) return b;
    if (auto r = del->run(); !r) return r;
  }
  // sqlite_stmt has no reset, so each row gets its own statement; notetypes
  // have a handful of fields and change rarely.
  for (std::size_t ord = 0; ord < nt.fields.size(); ++ord) {
    const auto& f = nt.fields[ord];
    auto bytes = encode_blob(f.config, "field config");
    if (!bytes) return error_of(bytes);
    auto s = sqlite_stmt::prepare(db, "INSERT INTO fields (ntid, ord, name, config) VALUES (?, ?, ?, ?)");
    if (!s) return error_of(s);
    if (auto b = s->bind_all(nt.id, static_cast<std::int64_t>(ord), std::string_view(f.name)); !b) return b;
    if (auto b = s->bind_blob(4, *bytes); !b) return b;
    if (auto r = s->run(); !r) return r;
  }
  for (std::size_t ord = 0; ord < nt.templates.size(); ++ord) {
    const auto& t = nt.templates[ord];
    auto bytes = encode_blob(t.config, "template config");
    if (!bytes) return error_of(bytes);
    auto s = sqlite_stmt::prepare(
        db, "INSERT INTO templates (ntid, ord, name, mtime_secs, usn, config) VALUES (?, ?, ?, ?, ?, ?)");
    if (!s) return error_of(s);
    if (auto b = s->bind_all(nt.id, static_cast<std::int64_t>(ord), std::string_view(t.name),
                             t.mtime_secs, std::int64_t{t.usn});
        !b)
      return b;
    if (auto b = s->bind_blob(6, *bytes); !b) return b;
    if (auto r = s->run(); !r) return r;
  }
  return sp->release();
}

result<void> delete_notetype(sqlite3* db, std::int64_t id) {
  auto sp = sqlite_savepoint::begin(db);
  if (!sp) return error_of(sp);
  for (const char* sql : {"DELETE FROM templates WHERE ntid = ?", "DELETE FROM fields WHERE ntid = ?",
                          "DELETE FROM notetypes WHERE id = ?"}) {
    auto s = sqlite_stmt::prepare(db, sql);
    if (!s) return error_of(s);
    if (auto b = s->bind(1, id); !b) return b;
    if (auto r = s->run(); !r) return r;
  }
  return sp->release();
}

result<bool> ensure_notetype_name_unique(sqlite3* db, notetype_row& nt, std::int32_t usn,
                                         std::int64_t now_secs) {
  bool renamed = false;
  while (true) {
    auto existing = notetype_id_by_name(db, nt.name);
    if (!existing) return error_of(existing);
    if (!*existing || **existing == nt.id) return renamed;
    nt.name += '+';
    nt.mtime_secs = now_secs;
    nt.usn = usn;
    renamed = true;
  }
}

} // namespace ankisync::storage
