// ankisync-bench: times the real server over loopback with the reference
// client (tools/client), and measures next to it, in the same run and on
// the same data, the physical baselines (file copy, zstd level 3, raw
// SQLite inserts). See docs/performance.md; scenarios are listed in
// scenarios.cpp, and scenario.hpp says how to add one.

#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include "storage/password_hash.hpp"
#include "tools/bench/scenario.hpp"
#include "tools/bench/scenario_support.hpp"

namespace fs = std::filesystem;
using namespace ankisync::bench;

namespace {

// A numeric flag: its field and the tiny size the smoke test runs with.
struct int_flag {
  const char* flag;
  int bench_options::*field;
  int quick;
  const char* help;
};

const int_flag int_flags[] = {
    {"--rounds", &bench_options::rounds, 2, "repeats of the edits sync, upload, download"},
    {"--empty-n", &bench_options::empty_n, 10, "empty sync round trips"},
    {"--notes", &bench_options::notes, 10, "edits: notes edited per sync"},
    {"--reviews", &bench_options::reviews, 20, "edits: reviews per sync"},
    {"--big-notes", &bench_options::big_notes, 20, "edits: notes of the larger variant (0: none)"},
    {"--big-reviews", &bench_options::big_reviews, 50, "edits: reviews of the larger variant"},
    {"--full-mb", &bench_options::full_mb, 2, "full-sync: collection size"},
    {"--rows", &bench_options::rows, 2000, "apply-rows: rows sent by one sync"},
    {"--users", &bench_options::users, 8, "many-users: simulated users"},
    {"--seconds", &bench_options::seconds, 1, "many-users: seconds of load"},
    {"--clients", &bench_options::clients, 2, "many-users, requests: load generator threads"},
    {"--idle-users", &bench_options::idle_users, 20, "idle: users that sync once"},
    {"--idle-eviction-ms", &bench_options::idle_eviction_ms, 100, "idle: the server's eviction"},
    {"--media-files", &bench_options::media_files, 20, "media: files uploaded, then downloaded"},
    {"--media-kb", &bench_options::media_kb, 5, "media: size of each file in KB"},
    {"--route-syncs", &bench_options::route_syncs, 20, "route: syncs of one edited note per server"},
    {"--two-device-syncs", &bench_options::two_device_syncs, 10,
     "two-devices: syncs of each device, both at once"},
    {"--meta-requests", &bench_options::meta_requests, 200,
     "requests: kept-alive meta requests over --clients threads"},
    {"--meta-connections", &bench_options::meta_connections, 200,
     "requests: meta requests with a new connection each"},
    {"--metrics-users", &bench_options::metrics_users, 20,
     "metrics: resident users while GET /metrics is timed"},
    {"--metrics-rounds", &bench_options::metrics_rounds, 1,
     "metrics: rounds of 3 s of syncs without and 3 s with a scraper"},
    {"--tls-syncs", &bench_options::tls_syncs, 20,
     "tls: syncs per server kept alive, as many on new connections"},
};

int usage(const char* argv0) {
  std::cerr << "usage: " << argv0
            << " [--server PATH | --url http://host:port] [--profile pi|server]\n"
               "  [--user U --password P] [--scenario a,b,...] [--quick] [--json FILE]\n"
               "  [--threads 1,2]   many-users: server scheduler threads to run with\n"
               "  [--compare-server PATH]   route: another ankisync measured beside this one\n";
  for (const auto& f : int_flags)
    std::cerr << "  [" << f.flag << " N]   " << f.help << "\n";
  std::cerr << "scenarios:\n";
  for (const auto& s : all_scenarios())
    std::cerr << "  " << s.name << ": " << s.summary << (s.own_server ? " (own server)" : "")
              << "\n";
  return 2;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ','))
    if (!part.empty())
      out.push_back(part);
  return out;
}

const scenario* find_scenario(const std::string& name) {
  for (const auto& s : all_scenarios())
    if (name == s.name)
      return &s;
  return nullptr;
}

std::string find_server_binary() {
  // Next to this program, or the build tree's tools/ankisync/.
  const fs::path self = fs::canonical("/proc/self/exe").parent_path();
  for (auto p : {self / "ankisync", self.parent_path() / "ankisync" / "ankisync"})
    if (fs::exists(p))
      return p.string();
  throw std::runtime_error("no ankisync binary found: give --server PATH or --url");
}

target parse_url(std::string u) {
  target t;
  if (u.starts_with("http://"))
    u = u.substr(7);
  while (!u.empty() && u.back() == '/')
    u.pop_back();
  const auto colon = u.rfind(':');
  if (colon == std::string::npos)
    throw std::runtime_error("--url needs a port");
  t.host = u.substr(0, colon);
  t.port = static_cast<std::uint16_t>(std::stoi(u.substr(colon + 1)));
  return t;
}

} // namespace

namespace ankisync::bench {

server_runner_options context::server_base() const {
  server_runner_options s;
  s.binary = opt.server;
  s.profile = opt.profile;
  return s;
}

} // namespace ankisync::bench

int main(int argc, char** argv) {
  bench_options o;
  std::vector<std::optional<int>> given(std::size(int_flags));
  std::optional<std::vector<int>> threads;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      bool numeric = false;
      for (std::size_t f = 0; f < std::size(int_flags); ++f)
        if (a == int_flags[f].flag) {
          given[f] = std::stoi(next());
          numeric = true;
        }
      if (numeric) continue;
      if (a == "--server") o.server = next();
      else if (a == "--url") o.url = next();
      else if (a == "--profile") o.profile = next();
      else if (a == "--user") o.user = next();
      else if (a == "--password") o.password = next();
      else if (a == "--json") o.json_file = next();
      else if (a == "--compare-server") o.compare_server = next();
      else if (a == "--scenario") o.scenarios = split(next());
      else if (a == "--quick") o.quick = true;
      else if (a == "--threads") {
        threads.emplace();
        for (const auto& n : split(next()))
          threads->push_back(std::stoi(n));
      }
      else if (a == "-h" || a == "--help") return usage(argv[0]), 0;
      else return usage(argv[0]);
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return usage(argv[0]);
    }
  }
  for (std::size_t f = 0; f < std::size(int_flags); ++f) {
    if (o.quick)
      o.*int_flags[f].field = int_flags[f].quick;
    if (given[f])
      o.*int_flags[f].field = *given[f];
  }
  if (threads)
    o.thread_counts = *threads;
  if (o.scenarios.empty())
    for (const auto& s : all_scenarios())
      o.scenarios.push_back(s.name);
  std::vector<const scenario*> chosen;
  for (const auto& name : o.scenarios) {
    const auto* s = find_scenario(name);
    if (!s) {
      std::cerr << "unknown scenario " << name << "\n";
      return usage(argv[0]);
    }
    chosen.push_back(s);
  }
  if (o.rounds < 1 || o.empty_n < 1 || o.notes < 1 || o.reviews < 0 || o.big_notes < 0 ||
      o.full_mb < 1 || o.rows < 3 || o.users < 1 || o.seconds < 1 || o.clients < 1 ||
      o.idle_users < 1 || o.media_files < 1 || o.media_kb < 1 || o.route_syncs < 1 || o.two_device_syncs < 1 ||
      o.thread_counts.empty())
    return usage(argv[0]);

  report out;
  const auto started = clk::now();
  try {
    std::optional<server_runner> server;
    context ctx{o, out, {}, {}};
    if (!o.url.empty()) {
      ctx.shared = parse_url(o.url);
    } else {
      if (o.server.empty())
        o.server = find_server_binary();
      bool shared_needed = false;
      for (const auto* s : chosen)
        shared_needed = shared_needed || !s->own_server;
      if (shared_needed) {
        auto so = ctx.server_base();
        // Given as a PHC string, as on every start after the first: a plain
        // SYNC_USER password is hashed (600,000 PBKDF2 rounds, ~200 ms)
        // before the server listens, which is not what start-up costs.
        so.users = {o.user + ":" + ankisync::storage::hash_password(o.password)};
        so.passwords_hashed = true;
        server.emplace(so);
        ctx.shared.port = server->port();
        ctx.shared.pid = server->pid();
        std::cerr << "server pid " << ctx.shared.pid << " on port " << ctx.shared.port
                  << ", RSS after start " << fmt(rss_bytes(ctx.shared.pid) / mb) << " MB\n";
        const double health = server->start_to_health_ms();
        out.add_figure({"start", "start to first 200 on /health (1 user)", health, "ms",
                        "<= 100 ms", health <= 100});
      }
    }
    std::string pattern = (fs::temp_directory_path() / "ankisync-bench-client-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed");
    ctx.work = pattern;
    struct cleanup {
      fs::path p;
      ~cleanup() {
        std::error_code ec;
        fs::remove_all(p, ec);
      }
    } clean{ctx.work};

    for (const auto* s : chosen) {
      if (s->own_server && !o.url.empty()) {
        std::cerr << "skipping " << s->name << ": it starts servers of its own (not with --url)\n";
        continue;
      }
      std::cerr << "running " << s->name << "...\n";
      s->run(ctx);
    }
  } catch (const std::exception& e) {
    out.print(std::cout);
    std::cerr << "ankisync-bench: " << e.what() << "\n";
    return 1;
  }
  const double total_s = ms_since(started) / 1000.0;
  out.print(std::cout);
  std::cout << "\n" << chosen.size() << " scenario(s) in " << fmt(total_s) << " s"
            << (o.profile.empty() ? "" : ", profile " + o.profile) << "\n";
  if (!o.json_file.empty())
    out.write_json(o.json_file, o.profile, o.quick, total_s);
  return out.errors() ? 3 : 0;
}
