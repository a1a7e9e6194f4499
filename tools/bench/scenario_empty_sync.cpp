// empty-sync: syncs of one device that has nothing to send, so the figures
// are the protocol's own cost (round trips, session, transactions).

#include <algorithm>

#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {

void run_empty_sync(context& ctx) {
  auto d = device_from_server(ctx, "empty");
  client::sync_client c(ctx.shared.host, ctx.shared.port);
  {
    op_timer ot(ctx.out, "empty-sync", "no changes (meta only)", ctx.shared.pid);
    for (int i = 0; i < ctx.opt.empty_n; ++i) {
      auto s = clk::now();
      auto r = d.sync(c);
      ot.add(ms_since(s));
      if (!r || r->kind != client::sync_outcome_kind::no_changes)
        ot.add_error(client::describe(r));
    }
    ot.finish();
  }
  {
    op_timer ot(ctx.out, "empty-sync", "nothing to send (meta..finish)", ctx.shared.pid);
    std::int64_t last = 0;
    for (int i = 0; i < ctx.opt.empty_n; ++i) {
      // Only col.mod moves: the client runs the whole normal sync with
      // no rows to send or receive.
      const auto col = must(d.collection().read_col(), "read col");
      const std::int64_t now = std::max({client::system_clock_ms(), last + 1, col.mod + 1});
      last = now;
      must(d.collection().set_mod(now), "set mod");
      auto s = clk::now();
      auto r = d.sync(c);
      ot.add(ms_since(s));
      if (!r || r->kind != client::sync_outcome_kind::normal_sync_done)
        ot.add_error(client::describe(r));
    }
    ot.finish();
    const auto& row = ctx.out.ops().back();
    ctx.out.add_figure({"empty-sync", "nothing to send: p99", row.p99, "ms", "<= 5 ms",
                        row.p99 <= 5});
  }
}

} // namespace ankisync::bench
