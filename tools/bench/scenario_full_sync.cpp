// full-sync: full upload and download of a generated collection of
// --full-mb MB, next to file copy and zstd on the same file.

#include <iostream>

#include "tools/bench/baselines.hpp"
#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {

void run_full_sync(context& ctx) {
  const auto& o = ctx.opt;
  auto d = device_from_server(ctx, "full");
  std::mt19937_64 rng(11);
  const std::uint64_t want = static_cast<std::uint64_t>(o.full_mb) * 1024 * 1024;
  const int made = grow_collection(d, want, rng);
  const std::string bytes = read_all(d.file());
  const double size = static_cast<double>(bytes.size());
  std::cerr << "full-sync: collection of " << made << " notes, "
            << static_cast<int>(size / mb) << " MB\n";

  const std::string key = d.host_key();
  client::sync_client c(ctx.shared.host, ctx.shared.port);
  {
    op_timer ot(ctx.out, "full-sync", "full upload", ctx.shared.pid);
    for (int i = 0; i < o.rounds; ++i) {
      auto s = clk::now();
      auto r = c.call("upload", bytes, key);
      ot.add(ms_since(s));
      if (!r || !r->ok() || r->body != "OK")
        ot.add_error(r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : r.error());
    }
    ot.finish(size, "MB/s");
  }
  {
    op_timer ot(ctx.out, "full-sync", "full download", ctx.shared.pid);
    for (int i = 0; i < o.rounds; ++i) {
      auto s = clk::now();
      auto r = c.call("download", "{}", key);
      ot.add(ms_since(s));
      if (!r || !r->ok() || r->body.size() < bytes.size() / 2)
        ot.add_error(r ? std::to_string(r->status) : r.error());
    }
    ot.finish(size, "MB/s");
  }

  const auto b = measure_transfer(d.file(), bytes, ctx.work / "copy.anki2", o.rounds);
  std::cerr << "full-sync: zstd -3 ratio " << b.ratio << "\n";
  for (const char* op : {"full upload", "full download"})
    add_transfer_baselines(ctx.out, "full-sync", b, op);
  for (const auto& row : ctx.out.ops())
    if (row.scenario == "full-sync" && row.op == "full upload") {
      if (row.rss_peak_mb > 0)
        ctx.out.add_figure({"full-sync", "full upload: server RSS growth", row.rss_growth_mb, "MB",
                            "<= 32 MB", row.rss_growth_mb <= 32});
      const double ratio = row.rate / b.series();
      ctx.out.add_figure({"full-sync", "full upload / (copy + compress + decompress)", ratio, "",
                          ">= 0.5", ratio >= 0.5});
    }
}

} // namespace ankisync::bench
