#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ankisync::actors {

// A fixed number of threads for work that blocks (password hashing,
// validating uploads, snapshots), so it never occupies the CAF scheduler's
// threads. A job reports back by sending a message to the actor waiting
// for it, which keeps that user's order.
class blocking_pool {
public:
  explicit blocking_pool(unsigned threads);
  ~blocking_pool();
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  void submit(std::function<void()> job);
  // Finishes queued jobs, then joins the threads.
  void stop();

private:
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace ankisync::actors
