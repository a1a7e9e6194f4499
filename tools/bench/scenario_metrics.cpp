// metrics: what watching the server costs. A server of its own with N
// users who each sync once and stay resident (eviction pushed out of the
// way), then:
//   - GET /metrics timed back to back (the target is for N = 1,000), and
//     the server CPU one scrape takes;
//   - syncs of one user (one new note each) in rounds, each round a stretch
//     without and a stretch with a scraper polling /metrics every second
//     as Prometheus would: server CPU per sync in both and their ratio, and
//     the share of the server's CPU the scrapes took, from the CPU per
//     scrape above (steadier than a difference of two noisy figures).

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "tools/bench/scenario_support.hpp"
#include "tools/bench/user_fleet.hpp"
#include "tools/client/http_client.hpp"

namespace ankisync::bench {
namespace {

constexpr double latency_target_ms = 5;  // /metrics with 1,000 resident users
constexpr double cpu_share_target = 0.03; // metrics' part of the server CPU per sync
constexpr auto scrape_interval = std::chrono::seconds(1);
// Each stretch of syncs lasts this long, so a scraper polling every second
// scrapes a few times in it.
constexpr auto stretch = std::chrono::seconds(3);

client::http_request metrics_request(std::string target = "/metrics") {
  client::http_request get;
  get.target = std::move(target);
  return get;
}

// Polls /metrics every second from its own thread until stopped.
class scraper {
public:
  explicit scraper(std::uint16_t admin_port)
      : thread_([this, admin_port] {
          client::http_client http("127.0.0.1", admin_port);
          std::unique_lock lock(mutex_);
          while (!stop_) {
            lock.unlock();
            if (auto r = http.send(metrics_request()); r && r->status == 200)
              ++scrapes_;
            lock.lock();
            wake_.wait_for(lock, scrape_interval, [this] { return stop_; });
          }
        }) {}
  ~scraper() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  int scrapes() const { return scrapes_.load(); }

private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::atomic<int> scrapes_{0};
  std::thread thread_; // last: starts once the rest is ready
};

struct stretch_totals {
  int syncs = 0;
  int errors = 0;
  double cpu_ms = 0;
  int scrapes = 0;
};

// Syncs one edit of the same note at a time for `stretch` (the
// collection does not grow, so later stretches cost what earlier ones
// did), adding to `t`.
void sync_for_a_stretch(client::device& d, client::sync_client& c, pid_t pid,
                        std::int64_t note, int& edits, stretch_totals& t) {
  const double cpu_before = cpu_ms(pid);
  const auto end = clk::now() + stretch;
  while (clk::now() < end) {
    must(d.edit_note(note, std::vector<std::string>{"metrics", "back " + std::to_string(++edits)}),
         "edit note");
    auto r = d.sync(c);
    ++t.syncs;
    if (!r || r->kind != client::sync_outcome_kind::normal_sync_done)
      if (t.errors++ == 0)
        std::cerr << "metrics: " << client::describe(r) << "\n";
  }
  t.cpu_ms += cpu_ms(pid) - cpu_before;
}

} // namespace

void run_metrics(context& ctx) {
  const auto& o = ctx.opt;
  user_fleet fleet(ctx.work, static_cast<std::size_t>(o.metrics_users));
  auto options = fleet.server_options(ctx.server_base());
  const auto n = fleet.users().size();
  options.extra_args = {"--idle-eviction-ms", "3600000", "--set",
                        "users.max_resident=" + std::to_string(n + 16)};
  server_runner server(options);
  const target t{"127.0.0.1", server.port(), server.pid()};
  fleet.check_login(t);

  // Every user syncs once, from a few threads: N resident collection actors.
  {
    const std::size_t clients = std::min<std::size_t>(o.clients, n);
    std::atomic<std::size_t> next{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> pool;
    for (std::size_t k = 0; k < clients; ++k)
      pool.emplace_back([&] {
        client::sync_client c(t.host, t.port);
        for (std::size_t i; (i = next.fetch_add(1)) < n;) {
          try {
            auto d = fleet.device(i, "metrics-fleet");
            auto r = d.sync(c);
            if (!r && errors++ == 0)
              std::cerr << "metrics: " << client::describe(r) << "\n";
          } catch (const std::exception& e) {
            if (errors++ == 0)
              std::cerr << "metrics: " << e.what() << "\n";
          }
        }
      });
    for (auto& th : pool)
      th.join();
    if (errors > 0)
      throw std::runtime_error("metrics: " + std::to_string(errors.load()) +
                               " of the users' first syncs failed");
  }

  // /metrics back to back, on one kept-alive connection as a scraper has.
  const int scrapes = o.quick ? 20 : 500;
  {
    client::http_client http("127.0.0.1", server.admin_port());
    for (int i = 0; i < 5; ++i) // warm: the connection, the allocator
      (void)http.send(metrics_request());
    op_timer ot(ctx.out, "metrics", "GET /metrics, " + std::to_string(n) + " resident users",
                t.pid);
    const double cpu_before = cpu_ms(t.pid);
    std::size_t bytes = 0;
    for (int i = 0; i < scrapes; ++i) {
      const auto s = clk::now();
      auto r = http.send(metrics_request());
      ot.add(ms_since(s));
      if (!r || r->status != 200)
        ot.add_error("GET /metrics failed");
      else
        bytes = r->body.size();
    }
    const double cpu_per_scrape = (cpu_ms(t.pid) - cpu_before) / scrapes;
    ot.finish();
    ctx.out.add_figure({"metrics", "/metrics document size", static_cast<double>(bytes) / 1024,
                        "KB", "", std::nullopt});
    const auto& row = ctx.out.ops().back();
    const std::string target = n >= 1000 ? "<= " + fmt(latency_target_ms, 0) + " ms" : "";
    const std::optional<bool> verdict =
        target.empty() ? std::nullopt : std::optional<bool>(row.p50 <= latency_target_ms);
    ctx.out.add_figure({"metrics", "/metrics p50, " + std::to_string(n) + " resident users",
                        row.p50, "ms", target, verdict});
    ctx.out.add_figure({"metrics", "/metrics p99", row.p99, "ms", "", std::nullopt});
    ctx.out.add_figure({"metrics", "server CPU per scrape", cpu_per_scrape, "ms", "",
                        std::nullopt});

    // What the dashboard asks every two seconds besides /metrics.
    for (const char* route : {"/admin/users", "/admin/actors"}) {
      op_timer dashboard(ctx.out, "metrics", std::string("GET ") + route, t.pid);
      for (int i = 0; i < scrapes / 5; ++i) {
        const auto s = clk::now();
        auto r = http.send(metrics_request(route));
        dashboard.add(ms_since(s));
        if (!r || r->status != 200)
          dashboard.add_error(std::string("GET ") + route + " failed");
      }
      dashboard.finish();
    }

    // Syncs of one user with and without a scraper, in turns.
    auto device = fleet.device(0, "metrics-syncs");
    client::sync_client c(t.host, t.port);
    const auto note = must(device.add_note({"metrics", "back"}), "add note").note_id;
    must(device.sync(c), "first sync");
    int edits = 0;
    stretch_totals without, with;
    const int rounds = o.quick ? 1 : o.metrics_rounds;
    std::cerr << "metrics: " << rounds << " rounds of " << 2 * stretch.count()
              << " s of syncs\n";
    // Turns in both orders, so a drift of the machine weighs on both alike.
    for (int r = 0; r < rounds; ++r)
      for (int turn = 0; turn < 2; ++turn) {
        if ((turn + r) % 2 == 0) {
          sync_for_a_stretch(device, c, t.pid, note, edits, without);
        } else {
          scraper poller(server.admin_port());
          sync_for_a_stretch(device, c, t.pid, note, edits, with);
          with.scrapes += poller.scrapes();
        }
      }
    auto per_sync = [](const stretch_totals& s) { return s.syncs ? s.cpu_ms / s.syncs : 0.0; };
    const double cpu_without = per_sync(without), cpu_with = per_sync(with);
    ctx.out.add_figure({"metrics", "server CPU per sync, no scraper (" +
                                       std::to_string(without.syncs) + " syncs)",
                        cpu_without, "ms", "", std::nullopt});
    ctx.out.add_figure({"metrics", "server CPU per sync, scraped every second (" +
                                       std::to_string(with.syncs) + " syncs, " +
                                       std::to_string(with.scrapes) + " scrapes)",
                        cpu_with, "ms", "", std::nullopt});
    ctx.out.add_figure({"metrics", "with/without scraper, CPU per sync",
                        cpu_without > 0 ? cpu_with / cpu_without : 0, "", "", std::nullopt});
    const double share =
        with.cpu_ms > 0 ? cpu_per_scrape * with.scrapes / with.cpu_ms : 0;
    ctx.out.add_figure({"metrics", "scrapes' share of server CPU while syncing", share * 100,
                        "%", "<= " + fmt(cpu_share_target * 100, 0) + " %",
                        share <= cpu_share_target});
    const int failed = without.errors + with.errors;
    ctx.out.add_figure({"metrics", "syncs failed", static_cast<double>(failed), "", "0",
                        failed == 0});
  }
}

} // namespace ankisync::bench
