#include "tools/ankisync/task_runner.hpp"

#include <spdlog/spdlog.h>

#include "protocol/printable.hpp"

namespace ankisync::app {

task_runner::task_runner(std::filesystem::path data_dir, storage::owner_fn owner)
    : data_dir_(std::move(data_dir)), owner_(std::move(owner)) {}

task_runner::~task_runner() { join(); }

void task_runner::join() {
  stop();
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
  case net::admin_task_kind::backup:
    return storage::run_backup(o, task.path);
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

} // namespace ankisync::app
