// apply-rows: one normal sync that sends --rows rows (a quarter notes, a
// quarter their cards, half reviews), which the client sends in chunks
// through applyChunk and the server applies, next to a raw SQLite insert
// of the same rows into the collection as it was before them.

#include <initializer_list>

#include "tools/bench/baselines.hpp"
#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {
namespace {

void run_sql(sqlite3* db, const std::string& sql, std::initializer_list<std::int64_t> params) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(sql + ": " + sqlite3_errmsg(db));
  int i = 0;
  for (auto p : params)
    sqlite3_bind_int64(st, ++i, p);
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    throw std::runtime_error(sql + ": " + sqlite3_errmsg(db));
}

// Copies of one real note, card and review, pending upload. Ids start
// above every id the clock gives (the year 2096), so that, like new rows of
// a real client, they are appended after the existing ones (ids below them
// make SQLite split B-tree pages in the middle, a third of the insert rate)
// and never meet ids the devices make later.
void generate_rows(sqlite3* db, std::int64_t note, std::int64_t card, std::int64_t review,
                   std::int64_t notes, std::int64_t reviews) {
  constexpr std::int64_t base = 4'000'000'000'000;
  exec_sql(db, "BEGIN");
  run_sql(db,
          "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?2) "
          "INSERT INTO notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data) "
          "SELECT ?3 + i, 'bench' || i, mid, mod, -1, tags, "
          "'front ' || i || char(31) || 'back ' || hex(randomblob(60)), 'front ' || i, "
          "csum + i, 0, '' FROM seq, notes WHERE notes.id = ?1",
          {note, notes, base});
  run_sql(db,
          "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?2) "
          "INSERT INTO cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, "
          "lapses, left, odue, odid, flags, data) "
          "SELECT ?3 + i, ?3 + i, did, ord, mod, -1, type, queue, due + i, ivl, factor, reps, "
          "lapses, left, odue, odid, flags, data FROM seq, cards WHERE cards.id = ?1",
          {card, notes, base});
  run_sql(db,
          "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?2) "
          "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
          "SELECT ?3 + i, ?3 + i % ?4, -1, 1 + i % 4, ivl, lastIvl, factor, time + i % 5000, type "
          "FROM seq, revlog WHERE revlog.id = ?1",
          {review, reviews, base, notes});
  exec_sql(db, "COMMIT");
}

} // namespace

void run_apply_rows(context& ctx) {
  const auto& o = ctx.opt;
  auto d = device_from_server(ctx, "rows");
  client::sync_client c(ctx.shared.host, ctx.shared.port);
  // The collection before the rows: where the baseline inserts them.
  checkpoint(d);
  const auto before = ctx.work / "rows-before.anki2";
  std::filesystem::copy_file(d.file(), before, std::filesystem::copy_options::overwrite_existing);

  auto n = must(d.add_note({"front", "back"}), "add note");
  const auto review = must(d.review_card(n.card_ids.at(0), 3), "review");
  const std::int64_t notes = std::max(1, o.rows / 4);
  const std::int64_t reviews = std::max<std::int64_t>(1, o.rows - 2 * notes);
  // The revlog rows point at the generated cards, `notes` of them.
  generate_rows(d.collection().handle(), n.note_id, n.card_ids.at(0), review, notes, reviews);
  const auto col = must(d.collection().read_col(), "read col");
  must(d.collection().set_mod(std::max(client::system_clock_ms(), col.mod + 1)), "set mod");

  const auto tables = read_pending_rows(d.collection().handle());
  const auto as_sent = sync_order(d.collection(), tables);
  const double rows = static_cast<double>(row_count(tables));
  const std::string op = std::to_string(static_cast<long long>(rows)) + " rows, whole sync";
  const std::string chunk_op = "  of which applyChunk calls";
  // The whole sync includes the client reading its rows and building the
  // chunks between calls; the applyChunk calls (request out, server applies,
  // reply back) are the server's side of applying them.
  std::vector<double> chunk_ms;
  clk::time_point call_start;
  client::sync_hooks hooks;
  hooks.before_request = [&](protocol::sync_method m) {
    if (m == protocol::sync_method::apply_chunk)
      call_start = clk::now();
  };
  hooks.after_reply = [&](protocol::sync_method m, int) {
    if (m == protocol::sync_method::apply_chunk)
      chunk_ms.push_back(ms_since(call_start));
  };
  {
    op_timer whole(ctx.out, "apply-rows", op, ctx.shared.pid);
    op_timer calls(ctx.out, "apply-rows", chunk_op, ctx.shared.pid);
    const auto s = clk::now();
    auto r = d.sync(c, hooks);
    whole.add(ms_since(s));
    calls.add(chunk_ms);
    if (!r || r->kind != client::sync_outcome_kind::normal_sync_done) {
      whole.add_error(client::describe(r));
      calls.add_error(client::describe(r));
    }
    whole.finish(rows, "rows/s");
    calls.finish(chunk_ms.empty() ? 0 : rows / static_cast<double>(chunk_ms.size()), "rows/s");
  }
  // New ids: a plain INSERT is the cheapest way SQLite can store them. The
  // target compares with the rows in the order the server receives them:
  // the protocol fixes that order, and SQLite stores descending keys at
  // about two thirds of its speed for ascending ones, which the id-order
  // figure shows.
  const double raw = raw_insert_rows_per_s(before, ctx.work / "rows-raw.anki2", tables, as_sent,
                                           "INSERT");
  const double raw_by_id =
      raw_insert_rows_per_s(before, ctx.work / "rows-raw.anki2", tables, id_order(tables), "INSERT");
  std::filesystem::remove(before);
  const std::string raw_name = "raw SQLite INSERT of the same rows, as sent (1 tx)";
  const std::string raw_by_id_name = "raw SQLite INSERT of the same rows, by id (1 tx)";
  ctx.out.add_baseline("apply-rows", raw_name, raw, "rows/s", op);
  ctx.out.add_baseline("apply-rows", raw_name, raw, "rows/s", chunk_op);
  ctx.out.add_baseline("apply-rows", raw_by_id_name, raw_by_id, "rows/s", chunk_op);
  const auto& ops = ctx.out.ops();
  const double ratio = raw > 0 ? ops.back().rate / raw : 0;
  ctx.out.add_figure({"apply-rows", "applyChunk rows/s / raw SQLite insert rows/s", ratio, "",
                      ">= 0.5", ratio >= 0.5});
  const double by_id_ratio = raw_by_id > 0 ? ops.back().rate / raw_by_id : 0;
  ctx.out.add_figure({"apply-rows", "applyChunk rows/s / raw insert in id order", by_id_ratio, "",
                      "", std::nullopt});
  const double whole_ratio = raw > 0 ? ops[ops.size() - 2].rate / raw : 0;
  ctx.out.add_figure({"apply-rows", "whole sync rows/s / raw SQLite insert rows/s", whole_ratio,
                      "", "", std::nullopt});
}

} // namespace ankisync::bench
