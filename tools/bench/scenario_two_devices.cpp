// two-devices: two devices of one user (one v11, one over the legacy
// envelope) syncing at the same moment, N times each, each sync carrying
// a new note and a review. The server makes the second device's start
// wait for the first one's session (docs/sync.md, "Two devices at once"),
// so every sync should succeed: errors (target 0) and each device's
// latency, which includes any wait, are the figures. No thresholds.

#include <atomic>
#include <iostream>
#include <thread>

#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {
namespace {

struct device_result {
  std::vector<double> latencies;
  std::vector<std::string> errors;
};

void sync_rounds(client::device& d, client::sync_client& c, int rounds, std::uint64_t seed,
                 const std::atomic<bool>& go, device_result& out) {
  std::mt19937_64 rng(seed);
  while (!go.load())
    std::this_thread::yield();
  for (int i = 0; i < rounds; ++i) {
    auto added = d.add_note({"two-devices " + std::to_string(seed) + " " + std::to_string(i),
                             words(rng, 60)});
    if (added && !added->card_ids.empty())
      (void)d.review_card(added->card_ids.front(), 3);
    const auto s = clk::now();
    auto r = added ? d.sync(c) : client::sync_result(std::unexpected(client::sync_failure{}));
    out.latencies.push_back(ms_since(s));
    // "No changes" is not a failure: an edit in the very millisecond of
    // the last finish leaves col.mod equal to the server's (both are ms
    // stamps), so meta finds nothing to do; the note goes next time.
    if (!r || r->kind == client::sync_outcome_kind::full_sync_required)
      out.errors.push_back(client::describe(r));
  }
}

} // namespace

void run_two_devices(context& ctx) {
  const int rounds = ctx.opt.two_device_syncs;
  auto desktop = device_from_server(ctx, "two-devices-desktop");
  auto phone = device_from_server(ctx, "two-devices-phone");
  client::sync_client desktop_client(ctx.shared.host, ctx.shared.port);
  client::sync_client_options legacy;
  legacy.legacy = true;
  client::sync_client phone_client(ctx.shared.host, ctx.shared.port, legacy);

  device_result desktop_result, phone_result;
  std::atomic<bool> go{false};
  const std::string each = std::to_string(rounds) + " syncs at once with the other";
  // Both rows cover the same wall time: their server CPU and memory
  // columns are those of both devices together.
  op_timer desktop_timer(ctx.out, "two-devices", "device 1 (v11): " + each, ctx.shared.pid);
  op_timer phone_timer(ctx.out, "two-devices", "device 2 (legacy): " + each, ctx.shared.pid);
  std::thread a([&] { sync_rounds(desktop, desktop_client, rounds, 1, go, desktop_result); });
  std::thread b([&] { sync_rounds(phone, phone_client, rounds, 2, go, phone_result); });
  const auto started = clk::now();
  go = true;
  a.join();
  b.join();
  const double wall_s = ms_since(started) / 1000.0;

  desktop_timer.add(desktop_result.latencies);
  for (const auto& e : desktop_result.errors)
    desktop_timer.add_error(e);
  desktop_timer.finish(0, {}, wall_s);
  phone_timer.add(phone_result.latencies);
  for (const auto& e : phone_result.errors)
    phone_timer.add_error(e);
  phone_timer.finish(0, {}, wall_s);

  const auto failed = desktop_result.errors.size() + phone_result.errors.size();
  ctx.out.add_figure({"two-devices", "failed syncs of both devices", static_cast<double>(failed),
                      "", "", std::nullopt});
  std::cerr << "two-devices: " << 2 * rounds << " syncs, " << failed << " failed\n";
}

} // namespace ankisync::bench
