#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "actors/process_stats.hpp"

using namespace ankisync::actors;

namespace {

std::uint64_t fds_by_iterator() {
  std::uint64_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
    (void)e, ++n;
  return n - 1; // the iterator's own
}

} // namespace

TEST_CASE("open_fd_count and listed_fd_count count this process's descriptors") {
  const auto before = listed_fd_count();
  CHECK(before == fds_by_iterator());
  // More than one getdents64 buffer's worth.
  std::vector<int> opened;
  for (int i = 0; i < 900; ++i) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      break;
    opened.push_back(fd);
  }
  REQUIRE(opened.size() > 500);
  CHECK(listed_fd_count() == before + opened.size());
  CHECK(listed_fd_count() == fds_by_iterator());
  // A kernel before 6.2 has open_fd_count list them, once a second.
  auto now_counted = [&](std::uint64_t expected) {
    for (int i = 0; i < 30 && open_fd_count() != expected; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return open_fd_count();
  };
  CHECK(now_counted(before + opened.size()) == before + opened.size());
  for (int fd : opened)
    ::close(fd);
  CHECK(now_counted(before) == before);
}
