// The collection actor's half of backups, restores and checks
// (docs/backup.md): a task waits, like another device's start, for the
// open sync session to end, then runs on the blocking pool while this
// actor takes no other message, so the copy is the state before or after
// a sync, never between, and other users' syncs go on.

#include "actors/collection_actor.hpp"

#include <spdlog/spdlog.h>

namespace ankisync::actors {

caf::result<blocking_result> collection_actor::on_maintenance(maintenance_msg& msg) {
  auto promise = make_response_promise<blocking_result>();
  tasks_.push_back(pending_task{std::move(msg), promise});
  publish_waiting();
  serve_waiting();
  return promise;
}

void collection_actor::run_next_task() {
  if (tasks_.empty() || blocking_ || (session_ && !session_->failed))
    return;
  auto task = std::move(tasks_.front());
  tasks_.pop_front();
  publish_waiting();
  if (task.msg.replaces_files) {
    // A failed session holds nothing, but its key must not go on.
    if (session_)
      end_session("the collection is being restored");
    col_.reset();
    committed_.reset();
    media_.reset();
    // A device that chose a normal sync from the old file starts over.
    ++uploads_;
  }
  running_task_ = task.promise;
  run_blocking<blocking_result>(
      [job = std::move(task.msg.job)] {
        return std::expected<blocking_result, protocol::sync_error>(job());
      },
      [this](std::expected<blocking_result, protocol::sync_error> r) {
        auto promise = std::move(*running_task_);
        running_task_.reset();
        if (r)
          return promise.deliver(std::move(*r));
        blocking_result failed;
        failed.error = std::move(r.error());
        promise.deliver(std::move(failed));
      });
}

void collection_actor::answer_all_tasks(const protocol::sync_error& why) {
  blocking_result r;
  r.error = why;
  for (auto& task : tasks_)
    task.promise.deliver(r);
  tasks_.clear();
  if (running_task_)
    running_task_->deliver(r);
  running_task_.reset();
}

} // namespace ankisync::actors
