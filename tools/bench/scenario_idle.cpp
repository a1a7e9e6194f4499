// idle: the server's memory at rest. A server of its own with N users and
// a short --idle-eviction-ms: start to the first 200 on /health, VmRSS
// after start, then every user syncs once (one new note, from K threads),
// and VmRSS once the registry has closed their actors again.

#include <atomic>
#include <iostream>
#include <thread>

#include <boost/json.hpp>

#include "tools/bench/scenario_support.hpp"
#include "tools/bench/user_fleet.hpp"

namespace ankisync::bench {
namespace {

// What the admin endpoint's /admin/stats says; -1 where unknown.
struct admin_stats {
  std::int64_t resident_actors = -1;
  double heap_in_use_mb = -1, heap_free_mb = -1, threads = -1;
};

admin_stats read_admin_stats(std::uint16_t admin_port) {
  admin_stats s;
  client::http_client http("127.0.0.1", admin_port);
  client::http_request get;
  get.target = "/admin/stats";
  auto r = http.send(get);
  if (!r || r->status != 200)
    return s;
  boost::system::error_code ec;
  auto v = boost::json::parse(r->body, ec);
  if (ec || !v.is_object())
    return s;
  auto number = [&](const char* key) {
    auto* n = v.as_object().if_contains(key);
    return n && n->is_number() ? n->to_number<double>() : -1.0;
  };
  s.resident_actors = static_cast<std::int64_t>(number("resident_actors"));
  s.heap_in_use_mb = number("heap_in_use_bytes") / mb;
  s.heap_free_mb = number("heap_free_bytes") / mb;
  s.threads = number("threads");
  return s;
}

// RssAnon and the allocator's split of it, as figures without targets.
void add_memory_breakdown(report& out, pid_t pid, const admin_stats& s) {
  out.add_figure({"idle", "  of which heap and stacks (RssAnon)", status_bytes(pid, "RssAnon") / mb,
                  "MB", "", std::nullopt});
  out.add_figure({"idle", "    heap in use (mallinfo2)", s.heap_in_use_mb, "MB", "", std::nullopt});
  out.add_figure({"idle", "    heap free, kept by malloc", s.heap_free_mb, "MB", "", std::nullopt});
  out.add_figure({"idle", "  threads", s.threads, "", "", std::nullopt});
}

// VmRSS settles after frees; the lowest of a few samples.
double settled_rss_mb(pid_t pid) {
  std::uint64_t low = rss_bytes(pid);
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    low = std::min(low, rss_bytes(pid));
  }
  return low / mb;
}

} // namespace

void run_idle(context& ctx) {
  const auto& o = ctx.opt;
  const bool pi = o.profile == "pi";
  user_fleet fleet(ctx.work, static_cast<std::size_t>(o.idle_users));
  auto options = fleet.server_options(ctx.server_base());
  options.extra_args = {"--idle-eviction-ms", std::to_string(o.idle_eviction_ms)};
  server_runner server(options);
  const target t{"127.0.0.1", server.port(), server.pid()};

  const double health = server.start_to_health_ms();
  ctx.out.add_figure({"idle", "start to first 200 on /health (" + std::to_string(o.idle_users) + " users)", health, "ms", "<= 100 ms",
                      health <= 100});
  const double at_start = settled_rss_mb(t.pid);
  const std::string rss_target = pi ? "<= 16 MB" : o.profile == "server" ? "<= 40 MB" : "";
  const std::optional<bool> no_verdict;
  ctx.out.add_figure({"idle", "server RSS after start", at_start, "MB", rss_target,
                      rss_target.empty() ? no_verdict : std::optional<bool>(at_start <= (pi ? 16 : 40))});
  add_memory_breakdown(ctx.out, t.pid, read_admin_stats(server.admin_port()));
  fleet.check_login(t);

  const std::size_t n = fleet.users().size();
  const std::size_t clients = std::min<std::size_t>(o.clients, n);
  std::atomic<std::size_t> next{0};
  std::vector<std::vector<double>> lat(clients);
  std::atomic<int> errors{0};
  op_timer ot(ctx.out, "idle", std::to_string(n) + " users sync once", t.pid);
  const auto started = clk::now();
  std::vector<std::thread> pool;
  for (std::size_t k = 0; k < clients; ++k)
    pool.emplace_back([&, k] {
      client::sync_client c(t.host, t.port);
      for (std::size_t i; (i = next.fetch_add(1)) < n;) {
        try {
          auto d = fleet.device(i, "idle");
          must(d.add_note({"front " + std::to_string(i), "back"}), "add note");
          const auto s = clk::now();
          auto r = d.sync(c);
          lat[k].push_back(ms_since(s));
          if (!r || r->kind != client::sync_outcome_kind::normal_sync_done)
            if (errors++ == 0)
              std::cerr << "idle: " << client::describe(r) << "\n";
        } catch (const std::exception& e) {
          if (errors++ == 0)
            std::cerr << "idle: " << e.what() << "\n";
        }
      }
    });
  for (auto& th : pool)
    th.join();
  const double wall_s = ms_since(started) / 1000.0;
  for (auto& l : lat)
    ot.add(l);
  for (int e = 0; e < errors.load(); ++e)
    ot.add_error("sync failed");
  ot.finish(0, {}, wall_s);

  // Eviction runs on the registry's tick (a quarter of the idle time, at
  // least 50 ms); give it several.
  const auto wait_until = clk::now() + std::chrono::milliseconds(o.idle_eviction_ms * 4 + 2000);
  std::int64_t resident = read_admin_stats(server.admin_port()).resident_actors;
  while (resident != 0 && clk::now() < wait_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    resident = read_admin_stats(server.admin_port()).resident_actors;
  }
  const double after = settled_rss_mb(t.pid);
  ctx.out.add_figure({"idle", "collection actors still open after eviction",
                      static_cast<double>(resident), "", "0", resident == 0});
  ctx.out.add_figure({"idle", "server RSS after " + std::to_string(n) + " users went idle", after,
                      "MB", rss_target,
                      rss_target.empty() ? no_verdict : std::optional<bool>(after <= (pi ? 16 : 40))});
  add_memory_breakdown(ctx.out, t.pid, read_admin_stats(server.admin_port()));
}

} // namespace ankisync::bench
