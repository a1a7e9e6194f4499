// many-users: N users, each with its own collection and device, syncing
// for T seconds. K load generator threads each own N/K devices and sync
// them round-robin over one blocking connection, so K syncs are in flight
// at once; each sync carries one new note (a note and a card). Runs a
// server of its own per scheduler thread count (--threads), as the
// profile's scheduler.threads is what it compares.

#include <atomic>
#include <sys/resource.h>
#include <iostream>
#include <thread>

#include "tools/bench/scenario_support.hpp"
#include "tools/bench/user_fleet.hpp"

namespace ankisync::bench {
namespace {

// This process's user + system CPU time, ms: what the load generator takes
// from the cores the server shares.
double own_cpu_ms() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) { return t.tv_sec * 1000.0 + t.tv_usec / 1000.0; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

struct generator_result {
  std::vector<double> latencies;
  int errors = 0;
  std::string first_error;
};

void load_round(context& ctx, const user_fleet& fleet, unsigned threads) {
  const auto& o = ctx.opt;
  auto options = fleet.server_options(ctx.server_base());
  options.extra_args = {"--scheduler-threads", std::to_string(threads)};
  server_runner server(options);
  const target t{"127.0.0.1", server.port(), server.pid()};
  fleet.check_login(t);
  std::cerr << "many-users: server pid " << t.pid << ", " << threads << " scheduler thread(s)\n";

  const std::size_t clients = std::min<std::size_t>(o.clients, fleet.users().size());
  std::vector<std::vector<client::device>> devices(clients);
  for (std::size_t i = 0; i < fleet.users().size(); ++i)
    devices[i % clients].push_back(fleet.device(i, "many-" + std::to_string(threads)));

  const std::string op = std::to_string(fleet.users().size()) + " users, " +
                         std::to_string(clients) + " clients, " + std::to_string(threads) +
                         " sched. thr.";
  std::vector<generator_result> results(clients);
  std::atomic<bool> go{false};
  clk::time_point deadline;
  op_timer ot(ctx.out, "many-users", op, t.pid);
  std::vector<std::thread> pool;
  for (std::size_t k = 0; k < clients; ++k)
    pool.emplace_back([&, k] {
      client::sync_client c(t.host, t.port);
      auto& mine = devices[k];
      auto& res = results[k];
      std::mt19937_64 rng(k);
      while (!go.load())
        std::this_thread::yield();
      for (std::size_t n = 0; clk::now() < deadline; ++n) {
        auto& d = mine[n % mine.size()];
        auto added = d.add_note({"front " + std::to_string(n) + " " + words(rng, 30),
                                 "back " + words(rng, 80)});
        const auto s = clk::now();
        auto r = added ? d.sync(c) : client::sync_result(std::unexpected(client::sync_failure{}));
        res.latencies.push_back(ms_since(s));
        if (!r || r->kind != client::sync_outcome_kind::normal_sync_done) {
          if (res.errors++ == 0)
            res.first_error = client::describe(r);
        }
      }
    });
  const double own_cpu_start = own_cpu_ms();
  const auto started = clk::now();
  deadline = started + std::chrono::seconds(o.seconds);
  go = true;
  for (auto& th : pool)
    th.join();
  const double wall_s = ms_since(started) / 1000.0;
  for (auto& r : results) {
    ot.add(r.latencies);
    for (int e = 0; e < r.errors; ++e)
      ot.add_error(r.first_error);
  }
  ot.finish(0, {}, wall_s);
  const auto& row = ctx.out.ops().back();
  if (row.n > 0)
    ctx.out.add_figure({"many-users", op + ": load generator CPU per sync",
                        (own_cpu_ms() - own_cpu_start) / row.n, "ms", "", std::nullopt});
  std::cerr << "many-users: " << op << ": " << row.n << " syncs, " << row.errors << " errors\n";
  if (fleet.users().size() == 200 && threads == 2 && ctx.opt.profile == "pi")
    ctx.out.add_figure({"many-users", op + ": p99", row.p99, "ms", "<= 250 ms, 0 errors",
                        row.p99 <= 250 && row.errors == 0});
}

} // namespace

void run_many_users(context& ctx) {
  user_fleet fleet(ctx.work, static_cast<std::size_t>(ctx.opt.users));
  for (int threads : ctx.opt.thread_counts)
    load_round(ctx, fleet, static_cast<unsigned>(threads));
}

} // namespace ankisync::bench
