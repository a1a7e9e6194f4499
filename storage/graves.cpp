// Deletions arriving from clients, and the graves that record them.

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"

namespace ankisync::storage {

result<void> collection::add_grave(const grave& g, std::int32_t usn) {
  return guarded([&]() -> result<void> {
    const auto kind = static_cast<std::int64_t>(g.kind);
    // Schema 18 keys graves by (oid, type), so OR IGNORE keeps an existing
    // grave with its usn. An older keyless table gets the same effect by
    // checking first.
    if (c_->layout.graves_keyed)
      return exec_cached(c_->stmts, "insert or ignore into graves (usn, oid, type) values (?, ?, ?)",
                         usn, g.oid, kind);
    return exec_cached(c_->stmts,
                       "insert into graves (usn, oid, type) select ?1, ?2, ?3 where not exists"
                       " (select 1 from graves where oid = ?2 and type = ?3)",
                       usn, g.oid, kind);
  });
}

result<void> collection::remove_card(std::int64_t id, std::int32_t usn) {
  return guarded([&]() -> result<void> {
    if (auto r = exec_cached(c_->stmts, "delete from cards where id = ?", id); !r) return r;
    return add_grave({id, grave_kind::card}, usn);
  });
}

result<void> collection::remove_note(std::int64_t id, std::int32_t usn) {
  return guarded([&]() -> result<void> {
    if (auto r = exec_cached(c_->stmts, "delete from notes where id = ?", id); !r) return r;
    return add_grave({id, grave_kind::note}, usn);
  });
}

result<void> collection::remove_deck(std::int64_t id, std::int32_t usn) {
  return guarded([&]() -> result<void> {
    if (auto r = exec_cached(c_->stmts, "delete from decks where id = ?", id); !r) return r;
    return add_grave({id, grave_kind::deck}, usn);
  });
}

result<graves_by_kind> collection::pending_graves(std::int32_t min_usn) {
  return guarded([&]() -> result<graves_by_kind> {
    auto stmt = c_->stmts.get("select oid, type from graves where " +
                              std::string(pending_clause(min_usn)));
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, min_usn); !r) return error_of(r);
    graves_by_kind out;
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) return out;
      const std::int64_t oid = stmt->int64(0);
      switch (stmt->int64(1)) {
      case 0: out.cards.push_back(oid); break;
      case 1: out.notes.push_back(oid); break;
      case 2: out.decks.push_back(oid); break;
      default:
        // Upstream fails the same way ("invalid grave kind").
        return fail(storage_errc::corrupt, "grave of unknown kind " +
                                               std::to_string(stmt->int64(1)) + " for id " +
                                               std::to_string(oid));
      }
    }
  });
}

} // namespace ankisync::storage
