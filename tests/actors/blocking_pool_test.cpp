#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "actors/blocking_pool.hpp"

using namespace ankisync::actors;
using namespace std::chrono_literals;

TEST_CASE("stopping with a deadline drops jobs not started and reports one still running") {
  blocking_pool pool(1);
  std::atomic<bool> started{false}, release{false};
  std::atomic<int> later_ran{0};
  pool.submit([&] {
    started = true;
    while (!release)
      std::this_thread::sleep_for(1ms);
  });
  pool.submit([&] { ++later_ran; });
  while (!started)
    std::this_thread::sleep_for(1ms);

  const auto t0 = std::chrono::steady_clock::now();
  CHECK(pool.stop(t0 + 100ms) == 1);
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  pool.submit([&] { ++later_ran; }); // ignored once stopping
  release = true;
  // The destructor waits for the running job; the queued ones never ran.
  pool.stop();
  CHECK(later_ran == 0);
}

TEST_CASE("stopping with a deadline joins at once when nothing runs") {
  blocking_pool pool(2);
  std::atomic<int> ran{0};
  pool.submit([&] { ++ran; });
  while (ran == 0)
    std::this_thread::sleep_for(1ms);
  CHECK(pool.stop(std::chrono::steady_clock::now() + 5s) == 0);
}
