#include "actors/blocking_pool.hpp"

#include <algorithm>

namespace ankisync::actors {

blocking_pool::blocking_pool(unsigned threads) : thread_count_(std::max(1u, threads)) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    threads_.emplace_back([this] { work(); });
}

blocking_pool::~blocking_pool() { stop(); }

blocking_pool::load blocking_pool::current_load() {
  std::lock_guard lock(mutex_);
  return load{jobs_.size(), running_, thread_count_};
}

void blocking_pool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

std::size_t blocking_pool::stop(std::chrono::steady_clock::time_point deadline) {
  std::deque<std::function<void()>> dropped;
  std::size_t still_running = 0;
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    // Destroyed outside the lock: a job's captures may be large (an upload
    // body) and their destructors need not wait for the pool.
    dropped.swap(jobs_);
    wake_.notify_all();
    idle_.wait_until(lock, deadline, [this] { return running_ == 0; });
    still_running = running_;
  }
  dropped.clear();
  if (still_running == 0)
    join();
  return still_running;
}

void blocking_pool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  join();
}

void blocking_pool::join() {
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
  threads_.clear();
}

void blocking_pool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty())
        return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    job();
    job = nullptr; // its captures go before the pool may be declared idle
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    idle_.notify_all();
  }
}

} // namespace ankisync::actors
