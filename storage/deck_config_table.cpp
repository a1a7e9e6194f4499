#include "storage/deck_config_table.hpp"

#include "storage/deck_config_defaults.hpp"
#include "storage/proto_blob.hpp"
#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {

namespace {

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

constexpr std::string_view select_config = "SELECT id, name, mtime_secs, usn, config FROM deck_config";

result<std::vector<deck_config_row>> query(sqlite3* db, std::string_view where,
                                           std::optional<std::int64_t> param,
                                           std::optional<std::string_view> text_param = std::nullopt) {
  auto s = sqlite_stmt::prepare(db, std::string(select_config) + std::string(where));
  if (!s) return error_of(s);
  if (param)
    if (auto b = s->bind(1, *param); !b) return std::unexpected(b.error());
  if (text_param)
    if (auto b = s->bind(1, *text_param); !b) return std::unexpected(b.error());
  std::vector<deck_config_row> out;
  while (true) {
    auto more = s->step();
    if (!more) return error_of(more);
    if (!*more) break;
    deck_config_row c;
    c.id = s->int64(0);
    c.name = s->text(1);
    c.mtime_secs = s->int64(2);
    c.usn = static_cast<std::int32_t>(s->int64(3));
    auto config = decode_blob<pb::DeckConfigConfig>(*s, 4, "deck_config.config");
    if (!config) return error_of(config);
    c.config = std::move(*config);
    repair_deck_config_values(c.config);
    out.push_back(std::move(c));
  }
  return out;
}

result<std::optional<deck_config_row>> first_of(result<std::vector<deck_config_row>> rows) {
  if (!rows) return error_of(rows);
  if (rows->empty()) return std::nullopt;
  return std::move(rows->front());
}

} // namespace

result<std::optional<deck_config_row>> get_deck_config(sqlite3* db, std::int64_t id) {
  return first_of(query(db, " WHERE id = ?", id));
}

result<std::optional<deck_config_row>> get_deck_config_by_name(sqlite3* db, std::string_view name) {
  return first_of(query(db, " WHERE name = ? ORDER BY id LIMIT 1", std::nullopt, name));
}

result<std::vector<deck_config_row>> all_deck_configs(sqlite3* db) {
  return query(db, " ORDER BY id", std::nullopt);
}

result<std::vector<deck_config_row>> pending_deck_configs(sqlite3* db, std::int32_t min_usn) {
  if (min_usn == -1) return query(db, " WHERE usn = -1 ORDER BY id", std::nullopt);
  return query(db, " WHERE usn >= ? ORDER BY id", std::int64_t{min_usn});
}

result<std::int64_t> count_deck_configs(sqlite3* db) {
  auto s = sqlite_stmt::prepare(db, "SELECT count() FROM deck_config");
  if (!s) return error_of(s);
  auto more = s->step();
  if (!more) return error_of(more);
  return s->int64(0);
}

result<void> put_deck_config(sqlite3* db, const deck_config_row& c) {
  if (c.id == 0) return fail(storage_errc::invalid, "deck config with id 0");
  auto config = encode_blob(c.config, "deck config");
  if (!config) return error_of(config);
  auto s = sqlite_stmt::prepare(
      db, "INSERT OR REPLACE INTO deck_config (id, name, mtime_secs, usn, config) VALUES (?, ?, ?, ?, ?)");
  if (!s) return error_of(s);
  if (auto b = s->bind_all(c.id, std::string_view(c.name), c.mtime_secs, std::int64_t{c.usn}); !b) return b;
  if (auto b = s->bind_blob(5, *config); !b) return b;
  return s->run();
}

result<void> delete_deck_config(sqlite3* db, std::int64_t id) {
  auto s = sqlite_stmt::prepare(db, "DELETE FROM deck_config WHERE id = ?");
  if (!s) return error_of(s);
  if (auto b = s->bind(1, id); !b) return b;
  return s->run();
}

} // namespace ankisync::storage
