#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "net/admin_routes.hpp"
#include "storage/maintenance.hpp"

namespace ankisync::app {

// Runs the backups, restores and checks the admin endpoint is asked for,
// one at a time, each on a thread of its own: every user's step waits in
// that user's actor (actors::runtime::user_owner), which must not block an
// I/O thread.
class task_runner {
public:
  task_runner(std::filesystem::path data_dir, storage::owner_fn owner);
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
  void stop() { stop_.store(true, std::memory_order_release); }
  // stop(), then waits for the running task: before the listeners go,
  // since its answer holds a connection.
  void join();

private:
  storage::maintenance_report run(const net::admin_task& task,
                                  std::function<void(const storage::user_outcome&)> on_user);

  std::filesystem::path data_dir_;
  storage::owner_fn owner_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};
  std::mutex thread_mutex_;
  std::thread thread_;
};

} // namespace ankisync::app
