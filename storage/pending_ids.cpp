// Ids of cards, notes and revlog entries a client has not seen yet.

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"

namespace ankisync::storage {

result<std::vector<std::int64_t>> collection::pending_ids(synced_table table,
                                                          std::int32_t min_usn) {
  return guarded([&]() -> result<std::vector<std::int64_t>> {
    std::string_view name = table == synced_table::cards   ? "cards"
                            : table == synced_table::notes ? "notes"
                                                           : "revlog";
    std::string sql = "select id from " + std::string(name) + " where " +
                      std::string(pending_clause(min_usn));
    auto stmt = c_->stmts.get(sql);
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, min_usn); !r) return error_of(r);
    std::vector<std::int64_t> ids;
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) return ids;
      ids.push_back(stmt->int64(0));
    }
  });
}

} // namespace ankisync::storage
