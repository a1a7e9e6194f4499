// What the sync's sanity check asks of the collection.

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"

namespace ankisync::storage {

namespace {

result<std::int64_t> count_rows(stmt_cache& stmts, std::string_view table) {
  auto stmt = stmts.get("select count() from " + std::string(table));
  if (!stmt) return error_of(stmt);
  auto row = stmt->step();
  if (!row) return error_of(row);
  return *row ? stmt->int64(0) : 0;
}

} // namespace

result<collection_counts> collection::counts() {
  return guarded([&]() -> result<collection_counts> {
    collection_counts out;
    std::pair<std::string_view, std::int64_t*> tables[] = {
        {"cards", &out.cards},       {"notes", &out.notes}, {"revlog", &out.revlog},
        {"graves", &out.graves},     {"notetypes", &out.notetypes},
        {"decks", &out.decks},       {"deck_config", &out.deck_config},
    };
    for (auto [table, field] : tables) {
      auto n = count_rows(c_->stmts, table);
      if (!n) return error_of(n);
      *field = *n;
    }
    return out;
  });
}

result<std::optional<std::string>> collection::table_with_pending_row() {
  return guarded([&]() -> result<std::optional<std::string>> {
    // config is deliberately not checked, as upstream.
    for (std::string_view table :
         {"cards", "notes", "revlog", "graves", "decks", "deck_config", "tags", "notetypes"}) {
      auto stmt = c_->stmts.get("select 1 from " + std::string(table) + " where usn = -1 limit 1");
      if (!stmt) return error_of(stmt);
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (*row) return std::optional<std::string>(table);
    }
    return std::optional<std::string>();
  });
}

} // namespace ankisync::storage
