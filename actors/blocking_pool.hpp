#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
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
//
// Jobs write only temp files and SQLite transactions; whatever a user
// sees changes in the waiting actor afterwards (a rename, a commit). So a
// job may be abandoned at any point, as a crash would, without damage.
class blocking_pool {
public:
  explicit blocking_pool(unsigned threads);
  ~blocking_pool();
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  // Ignored once the pool is stopping.
  void submit(std::function<void()> job);

  // For the metrics: jobs waiting, threads running one, threads in all.
  struct load {
    std::size_t queued = 0;
    std::size_t busy = 0;
    std::size_t threads = 0;
  };
  load current_load();
  // Drops jobs not yet started and waits until `deadline` for the running
  // ones. Returns how many still run then: 0 means every thread is joined;
  // otherwise they are left running (a PBKDF2 round or a zstd frame cannot
  // be interrupted) and the caller ends the process, or the destructor
  // waits for them.
  std::size_t stop(std::chrono::steady_clock::time_point deadline);
  // Finishes queued jobs, then joins the threads.
  void stop();

private:
  void work();
  void join();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_; // a running job ended
  std::deque<std::function<void()>> jobs_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  const std::size_t thread_count_;
  std::vector<std::thread> threads_;
};

} // namespace ankisync::actors
