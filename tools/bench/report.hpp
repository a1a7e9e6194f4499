#pragma once

// What a bench run found: one row per timed operation, one per physical
// baseline, printed as a table and written as JSON for tracking over time.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <sys/types.h>
#include <vector>

#include "tools/bench/server_runner.hpp"

namespace ankisync::bench {

struct op_row {
  std::string scenario, op;
  int n = 0, errors = 0;
  double p50 = 0, p99 = 0, max = 0; // ms
  double ops_s = 0;
  double rate = 0;       // MB/s or rows/s for the op, 0 when none
  std::string rate_unit; // "MB/s", "rows/s"
  double rss_start_mb = 0, rss_peak_mb = 0, rss_growth_mb = 0; // server, 0 when unknown
  double server_cpu_ms = -1; // server CPU time per op; -1 when unknown
  // ops_s is normally operations per second of summed latency (one client
  // at a time); a concurrent scenario sets it from wall time instead.
  std::optional<double> wall_ops_s;
};

struct baseline_row {
  std::string scenario, name;
  double rate = 0;
  std::string unit;
  std::string compared_op; // which op_row the ratio is of
  double ratio = 0;        // ours / baseline
};

// A single figure that is neither a latency nor a baseline (idle RSS, time
// to the first 200 on /health), with the target it is held to, if any.
struct figure_row {
  std::string scenario, name;
  double value = 0;
  std::string unit;
  std::string target; // e.g. "<= 16 MB", empty when none
  std::optional<bool> met;
};

class report {
public:
  void add(op_row row) { ops_.push_back(std::move(row)); }
  // The ratio is taken against the op of that name in the same scenario,
  // which must have been added before.
  void add_baseline(std::string scenario, std::string name, double rate, std::string unit,
                    std::string compared_op = {});
  void add_figure(figure_row f) { figures_.push_back(std::move(f)); }

  const std::vector<op_row>& ops() const { return ops_; }
  int errors() const;

  void print(std::ostream& out) const;
  void write_json(const std::string& file, const std::string& profile, bool quick,
                  double total_s) const;

private:
  std::vector<op_row> ops_;
  std::vector<baseline_row> baselines_;
  std::vector<figure_row> figures_;
};

constexpr double mb = 1024.0 * 1024.0;

double percentile(std::vector<double> v, double p); // nearest rank
std::string fmt(double v, int prec = 1);

// Collects the latencies of one operation and the server's memory and CPU
// time over it; finish() adds the row to the report.
class op_timer {
public:
  op_timer(report& out, std::string scenario, std::string op, pid_t server_pid);
  void add(double ms) { lat_.push_back(ms); }
  void add(const std::vector<double>& ms) { lat_.insert(lat_.end(), ms.begin(), ms.end()); }
  void add_error(const std::string& what); // counted; the first few are printed
  op_row& row() { return row_; }
  // `units_per_op` (bytes or rows) gives the rate; `wall_s`, when the ops
  // ran concurrently, gives ops/s over wall time.
  void finish(double units_per_op = 0, std::string unit = {},
              std::optional<double> wall_s = std::nullopt);

private:
  report& out_;
  op_row row_;
  std::vector<double> lat_;
  pid_t pid_;
  double cpu_start_ = 0;
  std::optional<rss_sampler> rss_;
};

} // namespace ankisync::bench
