#include "actors/process_stats.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <mutex>
#include <string>
#include <vector>

namespace ankisync::actors {
namespace {

// What getdents64 writes; glibc 2.36 declares no type for it.
struct linux_dirent64 {
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

} // namespace

// Raw getdents64 into one buffer kept between calls (a directory iterator
// allocates per entry). The kernel still builds an entry per descriptor,
// so with a thousand open collections this is most of a scrape.
std::uint64_t listed_fd_count() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  static std::vector<char> buffer(8 * 1024);
  const int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return 0;
  std::uint64_t n = 0;
  for (;;) {
    const auto got = ::syscall(SYS_getdents64, dir, buffer.data(), buffer.size());
    if (got <= 0)
      break;
    for (long at = 0; at < got;) {
      const auto* entry = reinterpret_cast<const linux_dirent64*>(buffer.data() + at);
      if (entry->d_name[0] != '.')
        ++n;
      at += entry->d_reclen;
    }
  }
  ::close(dir);
  // The descriptor reading the folder was counted too.
  return n > 0 ? n - 1 : 0;
}

std::uint64_t open_fd_count() {
  // Linux 6.2 and later give the count as the folder's size, at the cost
  // of one stat.
  if (struct stat st{}; ::stat("/proc/self/fd", &st) == 0 && st.st_size > 0)
    return static_cast<std::uint64_t>(st.st_size);
  // Older kernels: listed, at most once a second.
  static std::mutex mutex;
  static std::uint64_t cached = 0;
  static std::chrono::steady_clock::time_point listed{};
  std::lock_guard lock(mutex);
  const auto now = std::chrono::steady_clock::now();
  if (listed == std::chrono::steady_clock::time_point{} || now - listed >= std::chrono::seconds(1)) {
    cached = listed_fd_count();
    listed = now;
  }
  return cached;
}

namespace {

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

heap_stats read_heap_stats() {
  const struct mallinfo2 heap = ::mallinfo2();
  return {heap.uordblks + heap.hblkhd, heap.fordblks};
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
