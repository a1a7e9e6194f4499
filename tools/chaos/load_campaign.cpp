// Load mode: many users (two devices each) syncing for a while over a pool
// of threads, one connection each; a share of the syncs is cut off at a
// random method (the client drops the connection after a reply, or stops
// before a request) and devices restart (a new connection, the old session
// left behind). The server must answer no 5xx and stay up; afterwards every
// sampled user's devices must converge on an intact collection.

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <chrono>
#include <thread>

#include "tests/integration/collection_file.hpp"
#include "tests/integration/server_process.hpp"
#include "tools/chaos/campaign.hpp"
#include "tools/chaos/fleet.hpp"

namespace ankisync::chaos {
namespace fs = std::filesystem;
using clk = std::chrono::steady_clock;
using protocol::sync_method;

namespace {

constexpr sync_method cut_methods[] = {sync_method::start,       sync_method::apply_graves,
                                       sync_method::apply_changes, sync_method::chunk,
                                       sync_method::apply_chunk, sync_method::sanity_check,
                                       sync_method::finish};

struct user_devices {
  std::size_t user = 0;
  std::vector<client::device> devices;
};

// A sync may wait for a cut session of its user to be declared abandoned
// (session.stall_ms, up to 10 s and a quarter), longer than the client's
// default timeout.
client::sync_client connect(const integration::server_process& server) {
  client::sync_client_options o;
  o.http.timeout = std::chrono::seconds(60);
  return client::sync_client("127.0.0.1", server.port(), o);
}

void count_failure(tally& t, const client::sync_failure& f, const std::string& who) {
  if (f.kind == client::sync_failure_kind::dropped)
    return;
  if (f.kind == client::sync_failure_kind::http_status && f.status >= 500) {
    ++t.answers_5xx;
    t.note(who + ": " + client::describe(client::sync_result(std::unexpected(f))));
  } else if (f.kind == client::sync_failure_kind::http_status) {
    ++t.answers_4xx;
  } else {
    ++t.unclean_failures;
    t.note(who + ": " + client::describe(client::sync_result(std::unexpected(f))));
  }
}

// One pool thread: its users' devices, synced at random until `deadline`.
void drive(std::vector<user_devices>& mine, const integration::server_process& server,
           std::uint64_t seed, double cut_fraction, clk::time_point deadline, tally& t) {
  std::mt19937_64 rng(seed);
  auto c = std::make_unique<client::sync_client>(connect(server));
  std::uint64_t n = 0;
  std::int64_t last_sync_end = 0;
  while (clk::now() < deadline && !mine.empty()) {
    auto& ud = mine[rng() % mine.size()];
    const std::size_t di = rng() % ud.devices.size();
    auto& d = ud.devices[di];
    const std::string who = "user " + std::to_string(ud.user) + " device " + std::to_string(di);
    wait_past_ms(last_sync_end);
    if (!d.add_note({"load " + std::to_string(n++), "back"}).has_value()) {
      ++t.other;
      t.note(who + ": a local edit failed");
    }
    client::sync_hooks hooks;
    const bool cut = std::uniform_real_distribution<>(0, 1)(rng) < cut_fraction;
    if (cut) {
      hooks.drop = client::sync_drop{cut_methods[rng() % std::size(cut_methods)],
                                     rng() % 2 == 0 ? client::drop_point::after_reply
                                                    : client::drop_point::before_request,
                                     1};
    }
    auto r = d.sync(*c, hooks);
    last_sync_end = client::system_clock_ms();
    ++t.syncs;
    if (r && r->kind == client::sync_outcome_kind::full_sync_required) {
      ++t.other;
      t.note(who + ": a full sync was required");
    }
    if (!r)
      count_failure(t, r.error(), who);
    if (!r && r.error().kind == client::sync_failure_kind::dropped)
      ++t.cuts;
    // A cut connection goes away with its session; now and then a device
    // restarts too, leaving nothing of its last session but the server's.
    if (cut || rng() % 50 == 0) {
      if (!cut)
        ++t.device_restarts;
      c = std::make_unique<client::sync_client>(connect(server));
    }
  }
}

void converge_user(user_devices& ud, const integration::server_process& server,
                   const fs::path& server_file, tally& t) {
  const std::string who = "user " + std::to_string(ud.user);
  for (int round = 0; round < 2; ++round)
    for (auto& d : ud.devices) {
      auto c = connect(server);
      auto r = d.sync(c);
      if (!r || r->kind == client::sync_outcome_kind::full_sync_required) {
        ++t.not_converged;
        t.note(who + ": sync after the load: " + client::describe(r));
        return;
      }
    }
  integration::collection_file f(server_file);
  if (const auto ok = f.integrity_check(); ok != "ok") {
    ++t.corrupt;
    t.note(who + ": " + ok);
  }
  for (auto& d : ud.devices) {
    // Which sync wrote a row may differ (see world.cpp); the rows may not.
    const auto diff = integration::differences(server_file, d.file(), {"usn"});
    if (!diff.empty()) {
      ++t.not_converged;
      t.note(who + ": " + diff.front());
      return;
    }
  }
}

} // namespace

void run_load_campaign(const chaos_options& o, tally& t) {
  integration::temp_folder work;
  client::env_fleet users(work.path(), static_cast<std::size_t>(o.users));
  integration::server_process server(fleet_server_options(users, {}, {}));
  const std::size_t threads =
      std::max<std::size_t>(1, std::min<std::size_t>(o.connections, users.users().size()));
  std::vector<std::vector<user_devices>> slices(threads);
  for (std::size_t u = 0; u < users.users().size(); ++u) {
    user_devices ud{u, {}};
    for (int d = 0; d < 2; ++d) {
      ud.devices.push_back(
          users.make_device(u, work.path() / "devices" / users.users()[u].name / std::to_string(d)));
      // The devices' own durability is not what is tested.
      sqlite3_exec(ud.devices.back().collection().handle(), "PRAGMA synchronous=OFF", nullptr,
                   nullptr, nullptr);
    }
    slices[u % threads].push_back(std::move(ud));
  }

  const auto deadline = clk::now() + std::chrono::seconds(o.seconds);
  std::vector<std::thread> pool;
  for (std::size_t k = 0; k < threads; ++k)
    pool.emplace_back([&, k] { drive(slices[k], server, o.seed + k, o.cut_fraction, deadline, t); });
  while (clk::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    show_progress(o, "load: " + std::to_string(t.syncs) + " syncs, " + std::to_string(t.cuts) +
                         " cut, " + std::to_string(t.answers_5xx) + " 5xx");
    if (child::wait_for(server.pid(), std::chrono::milliseconds(0)))
      break;
  }
  for (auto& th : pool)
    th.join();
  if (auto ended = child::wait_for(server.pid(), std::chrono::milliseconds(0))) {
    ++t.crashes;
    t.note("the server ended under load: " + ended->describe() + "\n" + server.stderr_text());
    return;
  }

  // Convergence of every user (or a sample), in parallel.
  std::vector<user_devices*> sample;
  for (auto& slice : slices)
    for (auto& ud : slice)
      sample.push_back(&ud);
  std::mt19937_64 rng(o.seed);
  std::shuffle(sample.begin(), sample.end(), rng);
  if (o.sample > 0 && static_cast<std::size_t>(o.sample) < sample.size())
    sample.resize(static_cast<std::size_t>(o.sample));
  std::atomic<std::size_t> next{0};
  pool.clear();
  for (std::size_t k = 0; k < std::min<std::size_t>(threads, 8); ++k)
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < sample.size(); i = next++) {
        try {
          converge_user(*sample[i], server, user_collection(server.data_dir(), users.users()[sample[i]->user]), t);
        } catch (const std::exception& e) {
          ++t.other;
          t.note(e.what());
        }
      }
    });
  for (auto& th : pool)
    th.join();
  show_progress(o, "");
}

} // namespace ankisync::chaos
