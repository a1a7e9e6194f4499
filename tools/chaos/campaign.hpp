#pragma once

// What ankisync-chaos runs (docs/reliability.md, "Chaos"): its options,
// the tally of what it saw, and the three campaigns.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace ankisync::chaos {

struct chaos_options {
  std::string mode;              // kill | fault | load
  std::uint64_t seed = 0;
  int trials = 200;              // kill, fault
  int users = 3;                 // kill, fault: users; load: simulated users
  int devices = 3;               // devices per user (load: 2)
  int seconds = 60;              // load
  int connections = 100;         // load: syncs in flight (one thread each)
  double cut_fraction = 0.10;    // load: syncs cut off at a random method
  int sample = 0;                // load: users checked for convergence (0: all)
  std::string server;            // the ankisync binary ("": the build's)
  std::string shim;              // the fault shim ("": beside this tool)
  bool progress = false;         // stderr is a terminal
  // kill: add a review behind the server's back at each kill, as a torn
  // write would; the campaign must then report it (a check of the checks).
  bool tamper = false;
};

// Everything counted; violations are the fields a campaign must keep at 0.
struct tally {
  std::atomic<std::uint64_t> trials{0}, kills{0}, restarts{0}, steps{0}, acknowledged{0};
  // kills that cut a step short (the others hit the server between requests)
  std::atomic<std::uint64_t> kills_mid_step{0};
  std::atomic<std::uint64_t> faults_armed{0}, faults_injected{0}, fault_eligible_calls{0};
  std::atomic<std::uint64_t> clean_failures{0}, syncs{0}, cuts{0}, device_restarts{0},
      answers_4xx{0};
  // violations
  std::atomic<std::uint64_t> corrupt{0}, mixed{0}, lost_reviews{0}, lost_acknowledged{0},
      unclean_failures{0}, answers_5xx{0}, crashes{0}, not_converged{0}, media_broken{0},
      other{0};

  // Records a violation's story (the first few are kept for the summary).
  void note(const std::string& what);
  std::vector<std::string> notes() const;
  std::uint64_t violations() const;

private:
  mutable std::mutex mutex_;
  std::vector<std::string> notes_;
  std::uint64_t dropped_notes_ = 0;
};

// Waits until the wall clock in ms has passed `ms`. A sync's finish sets
// the server's mod to its clock's ms, and a device whose own mod (its last
// edit) equals the server's takes the two for in sync ("no changes"), as
// upstream's clients do; a person never edits within the millisecond a
// sync ended, a campaign must not either.
void wait_past_ms(std::int64_t ms);

// One line, rewritten in place on a terminal; nothing otherwise.
void show_progress(const chaos_options& o, const std::string& line);
// The final summary, on stdout.
void print_summary(const chaos_options& o, const tally& t, double seconds);

void run_kill_campaign(const chaos_options& o, tally& t);
void run_fault_campaign(const chaos_options& o, tally& t);
void run_load_campaign(const chaos_options& o, tally& t);

} // namespace ankisync::chaos
