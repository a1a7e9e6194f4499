#include <cstdio>
#include <iostream>
#include <thread>

#include "tools/chaos/campaign.hpp"
#include "tools/client/normal_sync.hpp"

namespace ankisync::chaos {

void tally::note(const std::string& what) {
  std::lock_guard lock(mutex_);
  if (notes_.size() < 20)
    notes_.push_back(what);
  else
    ++dropped_notes_;
}

std::vector<std::string> tally::notes() const {
  std::lock_guard lock(mutex_);
  auto out = notes_;
  if (dropped_notes_ > 0)
    out.push_back("... and " + std::to_string(dropped_notes_) + " more");
  return out;
}

std::uint64_t tally::violations() const {
  return corrupt + mixed + lost_reviews + lost_acknowledged + unclean_failures + answers_5xx +
         crashes + not_converged + media_broken + other;
}

void wait_past_ms(std::int64_t ms) {
  while (client::system_clock_ms() <= ms)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
}

void show_progress(const chaos_options& o, const std::string& line) {
  if (!o.progress)
    return;
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

void print_summary(const chaos_options& o, const tally& t, double seconds) {
  if (o.progress)
    std::fprintf(stderr, "\r\033[K");
  auto& out = std::cout;
  out << "ankisync-chaos " << o.mode << ": seed " << o.seed << ", " << seconds << " s\n";
  auto row = [&](const char* name, std::uint64_t v) { out << "  " << name << ": " << v << "\n"; };
  if (o.mode != "load") {
    row("trials", t.trials);
    row("steps", t.steps);
    row("acknowledged steps", t.acknowledged);
    row("server kills (SIGKILL)", t.kills);
    if (o.mode == "kill")
      row("  of which cut a step short", t.kills_mid_step);
    row("server restarts", t.restarts);
  }
  if (o.mode == "fault") {
    row("faults armed", t.faults_armed);
    row("faults injected", t.faults_injected);
    row("eligible write calls seen by the shim", t.fault_eligible_calls);
    row("requests failed cleanly (5xx with a message)", t.clean_failures);
  }
  if (o.mode == "load") {
    row("users", static_cast<std::uint64_t>(o.users));
    row("syncs", t.syncs);
    row("syncs cut off", t.cuts);
    row("device restarts", t.device_restarts);
    row("4xx answers (refused, e.g. a stale session)", t.answers_4xx);
  }
  out << "violations:\n";
  row("corrupt collections or media", t.corrupt);
  row("mixed states", t.mixed);
  row("lost reviews", t.lost_reviews);
  row("lost acknowledged changes", t.lost_acknowledged);
  row("unclean failures (no 5xx, a hang)", t.unclean_failures);
  row("5xx answers", t.answers_5xx);
  row("server crashes", t.crashes);
  row("media db and files disagree", t.media_broken);
  row("devices not converged", t.not_converged);
  row("other", t.other);
  for (const auto& n : t.notes())
    out << "  ! " << n << "\n";
  out << (t.violations() == 0 ? "PASS" : "FAIL") << "\n";
}

} // namespace ankisync::chaos
