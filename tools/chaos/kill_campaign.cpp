// Kill mode: random operations of several users' devices while a timer
// SIGKILLs the server at a random moment; after each kill the server is
// restarted and the interrupted step, every file and every acknowledged
// review are checked, then every device must converge.

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/integration/server_process.hpp"
#include "tools/chaos/campaign.hpp"
#include "tools/chaos/world.hpp"

namespace ankisync::chaos {
namespace {

// SIGKILLs the server once `delay` has passed after arm(), unless the
// trial ends first.
class kill_timer {
public:
  explicit kill_timer(integration::server_process& server) : server_(server) {}
  ~kill_timer() { finish(); }

  void arm(std::chrono::microseconds delay) {
    if (thread_.joinable())
      return;
    thread_ = std::thread([this, delay] {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, delay, [this] { return cancelled_; });
      // Set first: the steps still running stop at their next check.
      fired_ = true;
      server_.kill();
    });
  }
  bool armed() const { return thread_.joinable(); }
  bool fired() const { return fired_.load(); }
  // Waits for the kill (which happens at the latest now, when cancelled).
  void finish(bool now = false) {
    if (!thread_.joinable())
      return;
    if (now) {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      cv_.notify_all();
    }
    thread_.join();
  }

private:
  integration::server_process& server_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::atomic<bool> fired_{false};
};

// What a torn write would leave: a review no device sent, stamped with a
// usn below every synced device's, so that none of them ever pulls it.
void tamper_with(const std::filesystem::path& collection, int trial) {
  sqlite3* db = nullptr;
  if (sqlite3_open(collection.c_str(), &db) == SQLITE_OK)
    sqlite3_exec(db,
                 ("insert or ignore into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, "
                  "type) values (" + std::to_string(1000 + trial) + ", 1, 0, 3, 1, 0, 2500, 1000, 0)")
                     .c_str(),
                 nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

} // namespace

void run_kill_campaign(const chaos_options& o, tally& t) {
  integration::temp_folder work;
  world w(o, t, work.path());
  std::mt19937_64 rng(o.seed);
  for (int trial = 1; trial <= o.trials; ++trial) {
    ++t.trials;
    show_progress(o, "kill trial " + std::to_string(trial) + "/" + std::to_string(o.trials) +
                         ", violations " + std::to_string(t.violations()));
    // The kill comes a random time after a random step starts: mostly
    // while the server works on a request, sometimes between requests.
    const int kill_at_step = static_cast<int>(rng() % 4);
    const auto delay = std::chrono::microseconds(rng() % 40000);
    kill_timer killer(w.server());
    int started = 0;
    std::optional<step_record> last;
    try {
      for (int op = 0; op < 8 && !killer.fired(); ++op) {
        auto steps = w.random_operation(
            rng, [&] { if (started++ == kill_at_step) killer.arm(delay); },
            [&] { return killer.fired(); });
        if (!steps.empty())
          last = steps.back();
      }
    } catch (const std::exception& e) {
      // Reading a file as the server dies may fail; the checks below
      // read it again after the restart.
      if (!killer.fired())
        t.note(std::string("trial ") + std::to_string(trial) + ": " + e.what()), ++t.other;
    }
    if (!killer.armed())
      killer.arm(delay);
    killer.finish();
    ++t.kills;
    try {
      // From the second trial on every device has synced at least once.
      if (o.tamper)
        for (std::size_t u = 0; u < w.users(); ++u)
          tamper_with(w.collection(u), trial);
      w.server().start();
      ++t.restarts;
      if (last && !last->failure.empty())
        ++t.kills_mid_step;
      if (last)
        w.check_step(*last);
      w.check_all_users();
      w.converge();
      w.check_all_users();
    } catch (const std::exception& e) {
      t.note("trial " + std::to_string(trial) + " (after the kill): " + e.what());
      ++t.other;
      if (!w.server().running())
        return;
    }
  }
}

} // namespace ankisync::chaos
