// Cards.

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"

namespace ankisync::storage {

result<std::optional<card_row>> collection::get_card(std::int64_t id) {
  return guarded([&]() -> result<std::optional<card_row>> {
    // mod and ivl may hold floats written by old clients (upstream casts).
    auto stmt = c_->stmts.get(
        "select id, nid, did, ord, cast(mod as integer), usn, type, queue, due,"
        " cast(ivl as integer), factor, reps, lapses, left, odue, odid, flags, data"
        " from cards where id = ?");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, id); !r) return error_of(r);
    auto row = stmt->step();
    if (!row) return error_of(row);
    if (!*row) return std::optional<card_row>();
    card_row c;
    c.id = stmt->int64(0);
    c.nid = stmt->int64(1);
    c.did = stmt->int64(2);
    c.ord = stmt->int64(3);
    c.mod = stmt->int64(4);
    c.usn = static_cast<std::int32_t>(stmt->int64(5));
    c.type = stmt->int64(6);
    c.queue = stmt->int64(7);
    c.due = stmt->int64(8);
    c.ivl = stmt->int64(9);
    c.factor = stmt->int64(10);
    c.reps = stmt->int64(11);
    c.lapses = stmt->int64(12);
    c.left = stmt->int64(13);
    c.odue = stmt->int64(14);
    c.odid = stmt->int64(15);
    c.flags = stmt->int64(16);
    c.data = stmt->text(17);
    return std::optional<card_row>(std::move(c));
  });
}

result<void> collection::put_card(const card_row& c) {
  return guarded([&] {
    return exec_cached(c_->stmts,
                       "insert or replace into cards (id, nid, did, ord, mod, usn, type, queue, due,"
                       " ivl, factor, reps, lapses, left, odue, odid, flags, data)"
                       " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       c.id, c.nid, c.did, c.ord, c.mod, c.usn, c.type, c.queue, c.due, c.ivl,
                       c.factor, c.reps, c.lapses, c.left, c.odue, c.odid, c.flags, c.data);
  });
}

result<void> collection::merge_card(const card_row& c, merge_rule rule) {
  return guarded([&] {
    // The stored row is compared inside the statement: no separate lookup
    // before each of a chunk's rows.
    static const std::string sql =
        "insert into cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps,"
        " lapses, left, odue, odid, flags, data)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " on conflict (id) do update set nid = excluded.nid, did = excluded.did,"
        " ord = excluded.ord, mod = excluded.mod, usn = excluded.usn, type = excluded.type,"
        " queue = excluded.queue, due = excluded.due, ivl = excluded.ivl,"
        " factor = excluded.factor, reps = excluded.reps, lapses = excluded.lapses,"
        " left = excluded.left, odue = excluded.odue, odid = excluded.odid,"
        " flags = excluded.flags, data = excluded.data where " +
        incoming_wins_sql("cast(cards.mod as integer)", "cards.usn", "excluded.mod", 19, 20);
    return exec_cached(c_->stmts, sql, c.id, c.nid, c.did, c.ord, c.mod, c.usn, c.type, c.queue,
                       c.due, c.ivl, c.factor, c.reps, c.lapses, c.left, c.odue, c.odid, c.flags,
                       c.data, rule.min_usn, rule.ties_to_incoming ? 1 : 0);
  });
}

} // namespace ankisync::storage
