#include "tools/ankisync/task_runner.hpp"

#include <ctime>

#include <spdlog/spdlog.h>

#include "protocol/printable.hpp"
#include "storage/backup.hpp"

namespace ankisync::app {

task_runner::task_runner(std::filesystem::path data_dir, storage::owner_fn owner,
                         protocol::server_metrics* counters)
    : data_dir_(std::move(data_dir)), owner_(std::move(owner)), counters_(counters) {}

task_runner::~task_runner() { join(); }

void task_runner::stop() {
  {
    std::lock_guard lock(schedule_mutex_);
    stop_.store(true, std::memory_order_release);
  }
  schedule_wake_.notify_all();
}

void task_runner::join() {
  stop();
  if (schedule_.joinable())
    schedule_.join();
  std::lock_guard lock(thread_mutex_);
  if (thread_.joinable())
    thread_.join();
}

namespace {

// The server's log says what each user's step did.
void log_user(const storage::user_outcome& u) {
  if (u.ok)
    spdlog::info("{}: {}", u.user, protocol::printable(u.line));
  else
    spdlog::error("{}: {}", u.user, protocol::printable(u.line));
}

} // namespace

storage::maintenance_report
task_runner::run(const net::admin_task& task,
                 std::function<void(const storage::user_outcome&)> on_user) {
  storage::maintenance_options o;
  o.data_dir = data_dir_;
  o.only_user = task.user;
  o.owner = owner_;
  o.stop = &stop_;
  o.on_user = std::move(on_user);
  switch (task.kind) {
  case net::admin_task_kind::backup: {
    auto report = storage::run_backup(o, task.path);
    if (counters_) {
      (report.ok ? counters_->backups_complete : counters_->backups_failed).add();
      counters_->last_backup_ok.store(report.ok, std::memory_order_relaxed);
      counters_->last_backup_unix_s.store(std::time(nullptr), std::memory_order_relaxed);
    }
    return report;
  }
  case net::admin_task_kind::restore:
    return storage::run_restore(o, task.path);
  case net::admin_task_kind::check:
    break;
  }
  return storage::run_check(o, task.repair_media);
}

bool task_runner::run_now(const net::admin_task& task, storage::maintenance_report& out,
                          std::function<void(const storage::user_outcome&)> on_user) {
  if (busy_.exchange(true))
    return false;
  out = run(task, std::move(on_user));
  busy_.store(false);
  return true;
}

net::admin_task_fn task_runner::admin_tasks() {
  return [this](net::admin_task task, net::admin_task_reply reply) {
    if (busy_.exchange(true))
      return reply(std::unexpected(protocol::make_error(
          protocol::error_code::conflict, "a backup, restore or check is already running")));
    std::lock_guard lock(thread_mutex_);
    if (thread_.joinable())
      thread_.join(); // the previous task's thread, already done
    thread_ = std::thread([this, task = std::move(task), reply = std::move(reply)]() mutable {
      auto report = run(task, log_user);
      if (!report.error.empty())
        spdlog::error("{}", protocol::printable(report.error));
      // Released here, not when the thread ends: it holds the connection.
      auto answer = std::move(reply);
      // A run that could not start (a damaged backup, an unknown user)
      // is the request's fault; one that ran reports each user.
      if (!report.ok && report.users.empty() && report.path.empty())
        answer(std::unexpected(
            protocol::make_error(protocol::error_code::bad_request, report.error)));
      else
        answer(storage::encode_report(report));
      busy_.store(false);
    });
  };
}

void task_runner::schedule_backups(std::filesystem::path dir, std::chrono::seconds every,
                                   unsigned keep) {
  schedule_ = std::thread([this, dir = std::move(dir), every, keep] { run_schedule(dir, every, keep); });
}

void task_runner::run_schedule(std::filesystem::path dir, std::chrono::seconds every,
                               unsigned keep) {
  using clock = std::chrono::system_clock;
  // From the newest complete backup already there; at once without one.
  auto next = clock::now();
  if (const auto existing = storage::complete_backups(dir); !existing.empty())
    if (auto m = storage::read_manifest(existing.front()))
      next = clock::from_time_t(static_cast<std::time_t>(m->created_s)) + every;
  spdlog::info("backups into {} every {} s, keeping {}", dir.string(), every.count(), keep);
  std::unique_lock lock(schedule_mutex_);
  while (!stop_.load(std::memory_order_acquire)) {
    if (schedule_wake_.wait_until(lock, next, [this] { return stop_.load(); }))
      break;
    lock.unlock();
    net::admin_task task;
    task.kind = net::admin_task_kind::backup;
    task.path = dir.string();
    storage::maintenance_report report;
    const bool ran = run_now(task, report, log_user);
    if (ran && report.ok) {
      spdlog::info("scheduled backup complete: {}", report.path);
      for (const auto& removed : storage::prune_backups(dir, keep))
        spdlog::info("removed old backup {}", removed.string());
    } else if (ran) {
      spdlog::error("scheduled backup failed: {}", protocol::printable(report.error));
    }
    lock.lock();
    // Another task was running: try again shortly.
    next = clock::now() + (ran ? std::chrono::duration_cast<clock::duration>(every)
                               : std::chrono::duration_cast<clock::duration>(std::chrono::minutes(1)));
  }
}

} // namespace ankisync::app
