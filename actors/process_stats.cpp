#include "actors/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ankisync::actors {
namespace {

std::uint64_t open_fd_count() {
  std::error_code ec;
  std::uint64_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++n;
  // The iterator's own descriptor was counted too.
  return n > 0 ? n - 1 : 0;
}

// Field 22 of /proc/self/stat is the start time in clock ticks after boot;
// /proc/stat's btime is the boot time. The command name (field 2) may hold
// spaces, so fields are counted after its closing parenthesis.
double start_time_seconds() {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!std::getline(stat, line))
    return 0;
  const auto close = line.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int i = 3; i < 22 && rest >> field; ++i) {
  }
  std::uint64_t ticks = 0;
  if (!(rest >> ticks))
    return 0;
  std::ifstream boot("/proc/stat");
  std::uint64_t btime = 0;
  while (std::getline(boot, line))
    if (line.rfind("btime ", 0) == 0)
      btime = std::stoull(line.substr(6));
  return static_cast<double>(btime) +
         static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace

std::uint64_t current_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident))
    return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::uint64_t current_thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Threads:", 0) == 0)
      return std::stoull(line.substr(8));
  return 0;
}

process_stats read_process_stats() {
  process_stats s;
  s.rss_bytes = current_rss_bytes();
  s.threads = current_thread_count();
  s.open_fds = open_fd_count();
  if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0)
    s.max_fds = limit.rlim_cur;
  if (rusage usage{}; ::getrusage(RUSAGE_SELF, &usage) == 0) {
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    s.cpu_seconds = secs(usage.ru_utime) + secs(usage.ru_stime);
  }
  static const double started = start_time_seconds(); // it does not change
  s.start_time_seconds = started;
  return s;
}

} // namespace ankisync::actors
