// edits: one normal sync carrying edited notes and reviews (the 100
// notes + 200 reviews, and a larger variant), next to a raw SQLite insert
// of the very rows it carries.

#include <algorithm>

#include "tools/bench/baselines.hpp"
#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {
namespace {

struct edit_state {
  client::device& d;
  client::sync_client& c;
  std::mt19937_64& rng;
  const std::vector<std::int64_t>& notes;
  const std::vector<std::int64_t>& cards;
};

void edit_rounds(context& ctx, edit_state& s, int notes, int reviews) {
  const std::string op = std::to_string(notes) + " edited notes + " + std::to_string(reviews) +
                         " reviews";
  op_timer ot(ctx.out, "edits", op, ctx.shared.pid);
  double rows_per_sync = 0, raw_rows_s = 0;
  for (int round = 0; round < ctx.opt.rounds; ++round) {
    for (int i = 0; i < notes; ++i)
      must(s.d.edit_note(s.notes[static_cast<std::size_t>(i)],
                         std::vector<std::string>{"front " + std::to_string(i) + " r" +
                                                      std::to_string(round),
                                                  "back " + words(s.rng, 120)}),
           "edit note");
    for (int i = 0; i < reviews; ++i)
      must(s.d.review_card(s.cards[static_cast<std::size_t>(i) % s.cards.size()], 1 + i % 4),
           "review");
    if (round == 0) {
      // The baseline: the very rows this sync carries, inserted raw.
      const auto tables = read_pending_rows(s.d.collection().handle());
      rows_per_sync = static_cast<double>(row_count(tables));
      checkpoint(s.d);
      // Most of these ids exist on the server already.
      raw_rows_s = raw_insert_rows_per_s(s.d.file(), ctx.work / "edits-raw.anki2", tables,
                                         sync_order(s.d.collection(), tables),
                                         "INSERT OR REPLACE");
    }
    const auto start = clk::now();
    auto r = s.d.sync(s.c);
    ot.add(ms_since(start));
    if (!r || r->kind != client::sync_outcome_kind::normal_sync_done)
      ot.add_error(client::describe(r));
  }
  ot.finish(rows_per_sync, "rows/s");
  ctx.out.add_baseline("edits", "raw SQLite INSERT OR REPLACE of the same rows (1 tx)",
                       raw_rows_s, "rows/s", op);
}

} // namespace

void run_edits(context& ctx) {
  const auto& o = ctx.opt;
  auto d = device_from_server(ctx, "edits");
  client::sync_client c(ctx.shared.host, ctx.shared.port);
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> notes, cards;
  const int total = std::max(o.notes, o.big_notes);
  for (int i = 0; i < total; ++i) {
    auto n = must(d.add_note({"front " + std::to_string(i) + " " + words(rng, 40),
                              "back " + words(rng, 120)},
                             {"bench"}),
                  "add note");
    notes.push_back(n.note_id);
    cards.insert(cards.end(), n.card_ids.begin(), n.card_ids.end());
  }
  {
    op_timer ot(ctx.out, "edits", std::to_string(total) + " new notes", ctx.shared.pid);
    auto s = clk::now();
    auto r = d.sync(c);
    ot.add(ms_since(s));
    if (!r || r->kind != client::sync_outcome_kind::normal_sync_done)
      ot.add_error(client::describe(r));
    ot.finish(2.0 * total, "rows/s"); // notes + cards
  }
  edit_state s{d, c, rng, notes, cards};
  edit_rounds(ctx, s, o.notes, o.reviews);
  if (o.big_notes > 0)
    edit_rounds(ctx, s, o.big_notes, o.big_reviews);
}

} // namespace ankisync::bench
