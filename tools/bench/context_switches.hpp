#pragma once

// How often a process's threads gave up a core: the hops a request takes
// between threads (socket, gateway, the user's actor) show up here, as a
// wake-up of the receiving thread and a sleep of the sending one.

#include <cstdint>
#include <sys/types.h>

namespace ankisync::bench {

struct switch_counts {
  // The thread slept: waited for a message, a lock, a socket or the disk.
  std::uint64_t voluntary = 0;
  // The thread was preempted: on a machine busy with other work these
  // grow with the load rather than with what the server does.
  std::uint64_t nonvoluntary = 0;
  std::uint64_t total() const { return voluntary + nonvoluntary; }
  switch_counts operator-(const switch_counts& o) const {
    return {voluntary - o.voluntary, nonvoluntary - o.nonvoluntary};
  }
  switch_counts& operator+=(const switch_counts& o) {
    voluntary += o.voluntary;
    nonvoluntary += o.nonvoluntary;
    return *this;
  }
};

// voluntary_ctxt_switches and nonvoluntary_ctxt_switches, summed over
// every thread now in /proc/<pid>/task (zero when unknown). A thread that
// ends between two readings takes its counts with it, so a difference is
// only exact for a process whose threads live as long as it does, as
// ankisync's do (scheduler, I/O and blocking-pool threads start with it).
switch_counts context_switches(pid_t pid);

} // namespace ankisync::bench
