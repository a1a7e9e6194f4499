#include "storage/client_objects.hpp"

#include "storage/deck_config_table.hpp"
#include "storage/decks_table.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_notetype.hpp"
#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {
namespace {

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

// The ids a one-parameter query returns.
result<std::vector<std::int64_t>> ids_where(collection& col, std::string_view sql,
                                            std::int64_t param) {
  auto s = sqlite_stmt::prepare(col.handle(), sql);
  if (!s) return error_of(s);
  if (auto b = s->bind(1, param); !b) return error_of(b);
  std::vector<std::int64_t> out;
  while (true) {
    auto more = s->step();
    if (!more) return error_of(more);
    if (!*more) return out;
    out.push_back(s->int64(0));
  }
}

// Stamps every pending row of one object table: read at -1, written back
// with `usn`, and turned into the JSON the client sends.
template <class Row, class Pending, class Put, class ToText>
result<std::vector<std::string>> stamp_objects(collection& col, std::int32_t usn,
                                               Pending pending, Put put, ToText to_text) {
  auto rows = pending(col.handle(), -1);
  if (!rows) return error_of(rows);
  std::vector<std::string> out;
  out.reserve(rows->size());
  for (Row& row : *rows) {
    row.usn = usn;
    if (auto r = put(col.handle(), row); !r) return error_of(r);
    out.push_back(to_text(row));
  }
  return out;
}

} // namespace

result<std::vector<std::string>> stamp_pending_notetypes_json(collection& col, std::int32_t usn) {
  return stamp_objects<notetype_row>(
      col, usn, [](sqlite3* db, std::int32_t m) { return pending_notetypes(db, m); },
      [](sqlite3* db, const notetype_row& r) { return put_notetype(db, r); },
      notetype_to_schema11_text);
}

result<std::vector<std::string>> stamp_pending_decks_json(collection& col, std::int32_t usn) {
  return stamp_objects<deck_row>(
      col, usn, [](sqlite3* db, std::int32_t m) { return pending_decks(db, m); },
      [](sqlite3* db, const deck_row& r) { return put_deck(db, r); }, deck_to_schema11_text);
}

result<std::vector<std::string>> stamp_pending_deck_configs_json(collection& col,
                                                                 std::int32_t usn) {
  return stamp_objects<deck_config_row>(
      col, usn, [](sqlite3* db, std::int32_t m) { return pending_deck_configs(db, m); },
      [](sqlite3* db, const deck_config_row& r) { return put_deck_config(db, r); },
      deck_config_to_schema11_text);
}

result<std::vector<std::string>> stamp_pending_tags(collection& col, std::int32_t usn) {
  auto names = col.pending_tags(-1);
  if (!names) return error_of(names);
  // sqlite_stmt has no reset: one statement per row (a sync sends few tags).
  for (const auto& name : *names) {
    auto s = sqlite_stmt::prepare(col.handle(), "update tags set usn = ? where tag = ?");
    if (!s) return error_of(s);
    if (auto b = s->bind_all(std::int64_t{usn}, std::string_view(name)); !b) return error_of(b);
    if (auto r = s->run(); !r) return error_of(r);
  }
  return names;
}

result<void> stamp_pending_graves(collection& col, std::int32_t usn) {
  auto s = sqlite_stmt::prepare(col.handle(), "update graves set usn = ? where usn = -1");
  if (!s) return error_of(s);
  if (auto b = s->bind(1, std::int64_t{usn}); !b) return b;
  return s->run();
}

result<void> set_row_usns(collection& col, synced_table table,
                          const std::vector<std::int64_t>& ids, std::int32_t usn) {
  std::string_view sql = table == synced_table::cards   ? "update cards set usn = ? where id = ?"
                         : table == synced_table::notes ? "update notes set usn = ? where id = ?"
                                                        : "update revlog set usn = ? where id = ?";
  // One statement per row, as sqlite_stmt has no reset; a chunk is <= 252 rows.
  for (auto id : ids) {
    auto s = sqlite_stmt::prepare(col.handle(), sql);
    if (!s) return error_of(s);
    if (auto b = s->bind_all(std::int64_t{usn}, id); !b) return b;
    if (auto r = s->run(); !r) return r;
  }
  return {};
}

result<std::vector<std::int64_t>> card_ids_of_note(collection& col, std::int64_t nid) {
  return ids_where(col, "select id from cards where nid = ? order by id", nid);
}

result<std::vector<std::int64_t>> card_ids_in_deck(collection& col, std::int64_t did) {
  return ids_where(col, "select id from cards where did = ? order by id", did);
}

result<std::vector<std::int64_t>> note_ids_of_notetype(collection& col, std::int64_t ntid) {
  return ids_where(col, "select id from notes where mid = ? order by id", ntid);
}

result<std::optional<notetype_row>> find_notetype(collection& col, std::int64_t id) {
  return get_notetype(col.handle(), id);
}

result<std::optional<notetype_row>> find_notetype_by_name(collection& col, std::string_view name) {
  return get_notetype_by_name(col.handle(), name);
}

result<void> save_notetype(collection& col, notetype_row& nt, std::int64_t now_secs) {
  if (auto r = ensure_notetype_name_unique(col.handle(), nt, nt.usn, now_secs); !r)
    return error_of(r);
  return put_notetype(col.handle(), nt);
}

result<void> erase_notetype(collection& col, std::int64_t id) {
  return delete_notetype(col.handle(), id);
}

result<std::optional<deck_row>> find_deck(collection& col, std::int64_t id) {
  return get_deck(col.handle(), id);
}

result<std::vector<deck_row>> every_deck(collection& col) { return all_decks(col.handle()); }

result<void> save_deck(collection& col, deck_row& d, std::int64_t now_secs) {
  if (auto r = ensure_deck_name_unique(col.handle(), d, d.usn, now_secs); !r) return error_of(r);
  return put_deck(col.handle(), d);
}

result<std::optional<deck_config_row>> find_deck_config(collection& col, std::int64_t id) {
  return get_deck_config(col.handle(), id);
}

result<void> save_deck_config(collection& col, const deck_config_row& c) {
  return put_deck_config(col.handle(), c);
}

} // namespace ankisync::storage
