// Review log entries: only ever added, never changed.

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"

#include <sqlite3.h>

namespace ankisync::storage {

result<std::optional<revlog_row>> collection::get_revlog(std::int64_t id) {
  return guarded([&]() -> result<std::optional<revlog_row>> {
    auto stmt = c_->stmts.get(
        "select id, cid, usn, ease, cast(ivl as integer), cast(lastIvl as integer), factor,"
        " time, type from revlog where id = ?");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, id); !r) return error_of(r);
    auto row = stmt->step();
    if (!row) return error_of(row);
    if (!*row) return std::optional<revlog_row>();
    revlog_row e;
    e.id = stmt->int64(0);
    e.cid = stmt->int64(1);
    e.usn = static_cast<std::int32_t>(stmt->int64(2));
    e.ease = stmt->int64(3);
    e.ivl = stmt->int64(4);
    e.last_ivl = stmt->int64(5);
    e.factor = stmt->int64(6);
    e.time = stmt->int64(7);
    e.type = stmt->int64(8);
    return std::optional<revlog_row>(e);
  });
}

result<bool> collection::add_revlog(const revlog_row& e) {
  return guarded([&]() -> result<bool> {
    auto r = exec_cached(c_->stmts,
                         "insert or ignore into revlog (id, cid, usn, ease, ivl, lastIvl, factor,"
                         " time, type) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         e.id, e.cid, e.usn, e.ease, e.ivl, e.last_ivl, e.factor, e.time, e.type);
    if (!r) return error_of(r);
    return sqlite3_changes(c_->db) > 0;
  });
}

} // namespace ankisync::storage
