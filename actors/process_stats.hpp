#pragma once

// This process's own figures, read from /proc and getrlimit at the time
// of asking (a scrape, /admin/stats). Linux only, as the server is.

#include <cstdint>

namespace ankisync::actors {

struct process_stats {
  std::uint64_t rss_bytes = 0;
  std::uint64_t threads = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;  // the soft limit
  double cpu_seconds = 0;     // user + system
  double start_time_seconds = 0; // Unix time
};

process_stats read_process_stats();

// Open file descriptors of this process. One stat on Linux 6.2 and later;
// on older kernels listed_fd_count(), cached for a second.
std::uint64_t open_fd_count();
// The entries of /proc/self/fd, counted.
std::uint64_t listed_fd_count();

// The allocator's view (glibc mallinfo2, every arena, not only the main
// one): bytes handed out and not yet freed, and bytes it holds free.
struct heap_stats {
  std::uint64_t in_use_bytes = 0;
  std::uint64_t free_bytes = 0;
};
heap_stats read_heap_stats();

// Resident set size of this process, from /proc/self/statm.
std::uint64_t current_rss_bytes();
// Threads of this process, from /proc/self/status.
std::uint64_t current_thread_count();

} // namespace ankisync::actors
