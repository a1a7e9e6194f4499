// requests: many small authenticated requests (`meta`) from several
// threads at once, over kept-alive connections and then with a new
// connection each: the cost of the door (HTTP, the key check, the hop to
// the user's actor and back) under load. With --compare-server the other
// binary is measured in the same run, and the ratios are printed.

#include <iostream>
#include <thread>

#include "protocol/meta.hpp"
#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {
namespace {

struct thread_result {
  std::vector<double> latencies;
  std::vector<std::string> errors;
};

// `total` meta requests split over `threads` threads; a new client (so a
// new connection) per request unless `keep_alive`. Returns the wall time
// in seconds.
double run_meta(context& ctx, const target& t, const std::string& key, int total, int threads,
                bool keep_alive, const std::string& op) {
  const auto body = protocol::encode_meta_request({11, "ankisync-bench"});
  std::vector<thread_result> results(static_cast<std::size_t>(threads));
  op_timer ot(ctx.out, "requests", op, t.pid);
  const auto started = clk::now();
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k)
    pool.emplace_back([&, k] {
      auto& res = results[static_cast<std::size_t>(k)];
      const int mine = total / threads + (k < total % threads ? 1 : 0);
      std::optional<client::sync_client> kept;
      for (int i = 0; i < mine; ++i) {
        if (!keep_alive || !kept)
          kept.emplace(t.host, t.port);
        const auto s = clk::now();
        auto r = kept->call("meta", body, key);
        res.latencies.push_back(ms_since(s));
        if (!r)
          res.errors.push_back(r.error());
        else if (r->status != 200)
          res.errors.push_back("status " + std::to_string(r->status) + ": " + r->body);
      }
    });
  for (auto& th : pool)
    th.join();
  const double wall_s = ms_since(started) / 1000.0;
  for (auto& r : results) {
    ot.add(r.latencies);
    for (auto& e : r.errors)
      ot.add_error(e);
  }
  ot.finish(0, {}, wall_s);
  ctx.out.add_figure({"requests", op + ": wall time", wall_s, "s", "", std::nullopt});
  return wall_s;
}

struct measured {
  double keep_alive_s = 0, new_connection_s = 0, keep_alive_p99 = 0;
};

measured measure(context& ctx, const std::string& binary, const std::string& label) {
  const auto& o = ctx.opt;
  auto options = ctx.server_base();
  options.binary = binary;
  options.users = {o.user + ":" + o.password};
  server_runner server(options);
  const target t{"127.0.0.1", server.port(), server.pid()};
  const auto key = login(t, o.user, o.password);
  const auto tag = label.empty() ? std::string() : " [" + label + "]";
  const auto threads = std::to_string(o.clients) + " threads";
  std::cerr << "requests" << tag << ": " << o.meta_requests << " kept-alive, "
            << o.meta_connections << " new-connection meta requests\n";
  measured m;
  m.keep_alive_s = run_meta(ctx, t, key, o.meta_requests, o.clients, true,
                            "meta, kept alive, " + threads + tag);
  m.keep_alive_p99 = ctx.out.ops().back().p99;
  m.new_connection_s = run_meta(ctx, t, key, o.meta_connections, o.clients, false,
                                "meta, new connection each, " + threads + tag);
  return m;
}

} // namespace

void run_requests(context& ctx) {
  const auto& o = ctx.opt;
  const auto now = measure(ctx, o.server, o.compare_server.empty() ? "" : "new");
  if (o.compare_server.empty())
    return;
  if (!std::filesystem::exists(o.compare_server))
    throw std::runtime_error("--compare-server: no file " + o.compare_server);
  const auto old = measure(ctx, o.compare_server, "old");
  auto ratio = [&](const char* what, double a, double b) {
    ctx.out.add_figure({"requests", std::string("new/old ") + what, b > 0 ? a / b : 0, "", "",
                        std::nullopt});
  };
  ratio("kept-alive wall time", now.keep_alive_s, old.keep_alive_s);
  ratio("kept-alive p99", now.keep_alive_p99, old.keep_alive_p99);
  ratio("new-connection wall time", now.new_connection_s, old.new_connection_s);
}

} // namespace ankisync::bench
