#pragma once

// The page the fault shim (fault_shim.cpp, loaded into the server with
// LD_PRELOAD) and ankisync-chaos share: a small file both map, so the
// campaign can arm a fault right before a request and read afterwards
// whether one fired, across server restarts and SIGKILLs.
//
// Only trivially copyable fields and lock-free atomics: the shim runs
// inside write() and must neither allocate nor lock.

#include <atomic>
#include <cstdint>

namespace ankisync::chaos {

inline constexpr std::uint32_t fault_control_magic = 0x41534643; // "ASFC"

struct fault_control {
  std::uint32_t magic = fault_control_magic;
  // errno of an injected failure; 0: ENOSPC and EIO in turn.
  std::atomic<std::int32_t> error{0};
  // > 0: the n-th eligible call from now fails (then it is 0 again).
  std::atomic<std::int64_t> countdown{0};
  // Each eligible call fails with this probability, in millionths.
  std::atomic<std::uint32_t> probability_ppm{0};
  // Counters the shim keeps: calls that could have failed, and failures.
  std::atomic<std::uint64_t> eligible{0};
  std::atomic<std::uint64_t> injected{0};
  // Only files whose path starts with this fail (the data folder), so
  // logs, sockets and the client's own files never do. NUL-terminated.
  char root[1024] = {};
};

static_assert(std::atomic<std::int64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// The variable naming the control file, read by the shim at load.
inline constexpr const char* fault_control_env = "ANKISYNC_FAULT_CONTROL";

} // namespace ankisync::chaos
