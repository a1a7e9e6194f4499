#pragma once

// What every scenario of ankisync-bench sees. To add one:
//   1. write tools/bench/scenario_<name>.cpp defining
//      `void run_<name>(context& ctx)`: time each operation with an
//      op_timer on ctx.out, and measure its physical baseline on the same
//      data with ctx.out.add_baseline (baselines.hpp has the common ones);
//   2. add its line to the list in scenarios.cpp (name, summary, function,
//      whether it needs a server of its own) and the file to CMakeLists.txt;
//   3. options it needs: a field in bench_options and one line in main.cpp's
//      table of numeric flags (with its --quick value), and a word of the
//      table in smoke_test.cmake for the smoke test to look for.

#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

#include "tools/bench/report.hpp"
#include "tools/bench/server_runner.hpp"
#include "tools/client/sync_client.hpp"

namespace ankisync::bench {

struct bench_options {
  std::string server;  // the ankisync binary (empty with --url)
  std::string url;
  std::string profile; // "", "pi" or "server", passed to every server started
  std::string user = "user";
  std::string password = "pass";
  std::string json_file;
  std::vector<std::string> scenarios; // empty: every default one
  bool quick = false;
  int rounds = 3;        // repeats of the edits sync, the upload and the download
  int empty_n = 200;     // empty sync round trips
  int notes = 100;       // edits: notes edited per sync (the 100 ...)
  int reviews = 200;     // ... and reviews
  int big_notes = 1000;  // edits: the larger variant (0: skipped)
  int big_reviews = 5000;
  int full_mb = 100;
  int rows = 100000;     // apply-rows: notes + cards + revlog rows in one sync
  int users = 200;       // many-users: simulated users, each its own device
  int seconds = 10;      // many-users: how long they sync
  int clients = 8;       // many-users: load generator threads
  std::vector<int> thread_counts{1, 2}; // many-users: server scheduler threads to run with
  int idle_users = 1000; // idle: users that sync once, then go idle
  int idle_eviction_ms = 200;
  int media_files = 1000; // media: files uploaded, then downloaded
  int media_kb = 50;      // media: size of each file
  int route_syncs = 200;  // route: normal syncs of one edited note, per server
  int two_device_syncs = 100; // two-devices: syncs of each device
  int meta_requests = 10000;    // requests: kept-alive meta requests (over `clients` threads)
  int meta_connections = 40000; // requests: meta requests with a new connection each
  int metrics_users = 1000;   // metrics: resident users while /metrics is timed
  int metrics_rounds = 5;     // metrics: rounds of syncs without and with a scraper
  int tls_syncs = 200;        // tls: syncs per server kept alive, as many reconnecting
  // route: a second ankisync binary measured beside `server` (empty: none).
  std::string compare_server;
};

// The server a scenario talks to.
struct target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  pid_t pid = -1; // -1 with --url: no memory or CPU figures
  std::string tls_ca_file; // set: HTTPS, verified against this root

  client::sync_client_options client_options() const {
    client::sync_client_options o;
    o.http.tls_ca_file = tls_ca_file;
    return o;
  }
};

struct context {
  const bench_options& opt;
  report& out;
  target shared;                  // the server scenarios share (or --url)
  std::filesystem::path work;     // the bench's own temp folder
  // For a scenario that starts a server of its own (other users, flags):
  // the binary and profile of this run. Empty binary with --url.
  server_runner_options server_base() const;
};

using scenario_fn = void (*)(context&);

struct scenario {
  const char* name;
  const char* summary;
  scenario_fn run;
  // Starts servers of its own (so it cannot run against --url).
  bool own_server;
};

// Every scenario, in the order a default run takes them (scenarios.cpp).
const std::vector<scenario>& all_scenarios();

} // namespace ankisync::bench
