#include "storage/decks_table.hpp"

#include "storage/proto_blob.hpp"
#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {

namespace {

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

constexpr std::string_view select_deck = "SELECT id, name, mtime_secs, usn, common, kind FROM decks";

result<std::vector<deck_row>> collect(sqlite_stmt& s) {
  std::vector<deck_row> out;
  while (true) {
    auto more = s.step();
    if (!more) return error_of(more);
    if (!*more) break;
    deck_row d;
    d.id = s.int64(0);
    d.name = s.text(1);
    d.mtime_secs = s.int64(2);
    d.usn = static_cast<std::int32_t>(s.int64(3));
    auto common = decode_blob<pb::DeckCommon>(s, 4, "decks.common");
    if (!common) return error_of(common);
    d.common = std::move(*common);
    auto kind = decode_blob<pb::DeckKindContainer>(s, 5, "decks.kind");
    if (!kind) return error_of(kind);
    if (kind->kind_case() == pb::DeckKindContainer::KIND_NOT_SET)
      return fail(storage_errc::corrupt, "invalid deck kind: " + std::to_string(d.id));
    d.kind = std::move(*kind);
    out.push_back(std::move(d));
  }
  return out;
}

result<std::vector<deck_row>> query(sqlite3* db, std::string_view where,
                                    std::optional<std::int64_t> param,
                                    std::optional<std::string_view> text_param = std::nullopt) {
  auto s = sqlite_stmt::prepare(db, std::string(select_deck) + std::string(where));
  if (!s) return error_of(s);
  if (param)
    if (auto b = s->bind(1, *param); !b) return std::unexpected(b.error());
  if (text_param)
    if (auto b = s->bind(1, *text_param); !b) return std::unexpected(b.error());
  return collect(*s);
}

result<std::optional<deck_row>> first_of(result<std::vector<deck_row>> rows) {
  if (!rows) return error_of(rows);
  if (rows->empty()) return std::nullopt;
  return std::move(rows->front());
}

} // namespace

result<std::optional<deck_row>> get_deck(sqlite3* db, std::int64_t id) {
  return first_of(query(db, " WHERE id = ?", id));
}

result<std::optional<std::int64_t>> deck_id_by_name(sqlite3* db, std::string_view native_name) {
  auto s = sqlite_stmt::prepare(db, "SELECT id FROM decks WHERE name = ?");
  if (!s) return error_of(s);
  if (auto b = s->bind(1, native_name); !b) return std::unexpected(b.error());
  auto more = s->step();
  if (!more) return error_of(more);
  if (!*more) return std::nullopt;
  return s->int64(0);
}

result<std::optional<deck_row>> get_deck_by_name(sqlite3* db, std::string_view native_name) {
  return first_of(query(db, " WHERE name = ?", std::nullopt, native_name));
}

result<std::vector<deck_row>> all_decks(sqlite3* db) {
  return query(db, " ORDER BY id", std::nullopt);
}

result<std::vector<deck_row>> pending_decks(sqlite3* db, std::int32_t min_usn) {
  if (min_usn == -1) return query(db, " WHERE usn = -1 ORDER BY id", std::nullopt);
  return query(db, " WHERE usn >= ? ORDER BY id", std::int64_t{min_usn});
}

result<std::int64_t> count_decks(sqlite3* db) {
  auto s = sqlite_stmt::prepare(db, "SELECT count() FROM decks");
  if (!s) return error_of(s);
  auto more = s->step();
  if (!more) return error_of(more);
  return s->int64(0);
}

result<void> put_deck(sqlite3* db, const deck_row& d) {
  if (d.id == 0) return fail(storage_errc::invalid, "deck with id 0");
  if (d.kind.kind_case() == pb::DeckKindContainer::KIND_NOT_SET)
    return fail(storage_errc::invalid, "deck without a kind");
  auto common = encode_blob(d.common, "deck common");
  if (!common) return error_of(common);
  auto kind = encode_blob(d.kind, "deck kind");
  if (!kind) return error_of(kind);
  auto s = sqlite_stmt::prepare(
      db,
      // An upsert, not upstream's INSERT OR REPLACE, so a name clash is
      // refused instead of deleting the other deck.
      "INSERT INTO decks (id, name, mtime_secs, usn, common, kind) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, mtime_secs = excluded.mtime_secs, "
      "usn = excluded.usn, common = excluded.common, kind = excluded.kind");
  if (!s) return error_of(s);
  if (auto b = s->bind_all(d.id, std::string_view(d.name), d.mtime_secs, std::int64_t{d.usn}); !b) return b;
  if (auto b = s->bind_blob(5, *common); !b) return b;
  if (auto b = s->bind_blob(6, *kind); !b) return b;
  return s->run();
}

result<void> delete_deck(sqlite3* db, std::int64_t id) {
  auto s = sqlite_stmt::prepare(db, "DELETE FROM decks WHERE id = ?");
  if (!s) return error_of(s);
  if (auto b = s->bind(1, id); !b) return b;
  return s->run();
}

result<bool> ensure_deck_name_unique(sqlite3* db, deck_row& d, std::int32_t usn,
                                     std::int64_t now_secs) {
  bool renamed = false;
  while (true) {
    auto existing = deck_id_by_name(db, d.name);
    if (!existing) return error_of(existing);
    if (!*existing || **existing == d.id) return renamed;
    d.name += '+';
    d.mtime_secs = now_secs;
    d.usn = usn;
    renamed = true;
  }
}

} // namespace ankisync::storage
