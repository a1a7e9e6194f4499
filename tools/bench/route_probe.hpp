#pragma once

// One server measured by the route scenario: a process of its own (a
// given binary and profile), a device holding its collection with one
// note, and a client speaking one envelope. Its syncs run in blocks, so
// that the probes of two binaries can take turns on the same machine and
// share its noise.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tools/bench/context_switches.hpp"
#include "tools/bench/scenario.hpp"
#include "tools/bench/server_runner.hpp"
#include "tools/client/device.hpp"
#include "tools/client/sync_client.hpp"

namespace ankisync::bench {

struct route_probe_options {
  std::string binary;
  std::string profile;      // "pi" or "server"
  bool legacy = false;      // the legacy (v10) envelope instead of v11
  std::string user_env;     // the SYNC_USER1 value, "name:<PHC>"
  std::string device_name;  // the device's folder under the bench's work folder
  std::vector<std::string> extra_args; // for the server, e.g. --tls-cert FILE
  std::string tls_ca_file;  // set: the client speaks HTTPS, verified against it
};

// What the blocks added up to. CPU time and context switches are counted
// only inside the blocks, so what a server does while the other probe runs
// (its timers) stays out.
struct route_totals {
  std::vector<double> latencies; // ms, one per sync
  int errors = 0;
  std::string first_error;
  double cpu_ms = 0;          // server utime + stime
  switch_counts switches;     // server context switches, all threads
  std::uint64_t requests = 0; // HTTP requests the client sent
};

class route_probe {
public:
  // Starts the server and readies the device (a few syncs, not counted).
  // Throws std::runtime_error when either fails.
  route_probe(const context& ctx, const route_probe_options& options);
  route_probe(const route_probe&) = delete;
  route_probe& operator=(const route_probe&) = delete;

  // `syncs` normal syncs, each carrying one edit of the same note; with
  // `reconnect`, each on a new connection (counted apart, in
  // reconnect_totals()).
  void run_block(int syncs, bool reconnect = false);

  const route_totals& totals() const { return totals_; }
  const route_totals& reconnect_totals() const { return reconnect_totals_; }
  // VmRSS right after the server was ready, before any request, in bytes.
  std::uint64_t rss_at_start() const { return rss_at_start_; }
  pid_t pid() const { return server_.pid(); }

private:
  // Edits the note, then syncs: the outcome and the sync's wall time in ms.
  std::pair<client::sync_result, double> edit_and_sync(client::sync_hooks hooks);

  server_runner server_;
  std::uint64_t rss_at_start_;
  client::sync_client client_;
  client::device device_;
  std::int64_t note_ = 0;
  int edits_ = 0;
  route_totals totals_, reconnect_totals_;
};

} // namespace ankisync::bench
