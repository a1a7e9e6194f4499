#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "net/admin_routes.hpp"
#include "protocol/server_metrics.hpp"
#include "storage/maintenance.hpp"

namespace ankisync::app {

// Runs the backups, restores and checks the admin endpoint is asked for,
// and the scheduled backups, one at a time, each on a thread of its own:
// every user's step waits in that user's actor
// (actors::runtime::user_owner), which must not block an I/O thread.
class task_runner {
public:
  // `counters` (may be null) get each backup's result, for /admin/stats
  // and /metrics.
  task_runner(std::filesystem::path data_dir, storage::owner_fn owner,
              protocol::server_metrics* counters = nullptr);
  // Waits for a running task (stop() makes it end after its current user).
  ~task_runner();
  task_runner(const task_runner&) = delete;
  task_runner& operator=(const task_runner&) = delete;

  // For make_admin_routes. A second task while one runs is refused (409).
  net::admin_task_fn admin_tasks();
  // Runs `task` on the calling thread unless another runs (then false).
  // `on_user` is told each user's outcome (the command prints them).
  bool run_now(const net::admin_task& task, storage::maintenance_report& out,
               std::function<void(const storage::user_outcome&)> on_user);
  // A backup into `dir` every `every` (counted from the newest complete
  // one there, so a restart does not take another at once), keeping the
  // newest `keep` complete ones (docs/backup.md).
  void schedule_backups(std::filesystem::path dir, std::chrono::seconds every, unsigned keep);
  void stop();
  // stop(), then waits for the running task and the schedule: before the
  // listeners go, since a task's answer holds a connection.
  void join();

private:
  storage::maintenance_report run(const net::admin_task& task,
                                  std::function<void(const storage::user_outcome&)> on_user);
  void run_schedule(std::filesystem::path dir, std::chrono::seconds every, unsigned keep);

  std::filesystem::path data_dir_;
  storage::owner_fn owner_;
  protocol::server_metrics* counters_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};
  std::mutex thread_mutex_;
  std::thread thread_;
  // The schedule sleeps on this until its next backup or stop().
  std::mutex schedule_mutex_;
  std::condition_variable schedule_wake_;
  std::thread schedule_;
};

} // namespace ankisync::app
