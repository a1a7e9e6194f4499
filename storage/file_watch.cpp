#include "storage/file_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>

namespace ankisync::storage {

file_watch::file_watch(const std::filesystem::path& folder, std::vector<std::string> names)
    : names_(std::move(names)) {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) return;
  // The folder, not the files: SQLite creates and removes its -wal and
  // -shm files, and a watch on a removed file is gone with it.
  const auto mask = IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ATTRIB;
  if (::inotify_add_watch(fd_, folder.c_str(), mask) < 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

file_watch::~file_watch() {
  if (fd_ >= 0) ::close(fd_);
}

bool file_watch::changed() {
  if (fd_ < 0) return true;
  bool hit = false;
  alignas(inotify_event) char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      // EAGAIN: drained. Anything else: the queue overflowed or broke;
      // claim a change so the caller re-reads rather than trusts a cache.
      return hit || errno != EAGAIN;
    }
    if (n == 0) return hit;
    for (std::size_t at = 0; at < static_cast<std::size_t>(n);) {
      const auto* e = reinterpret_cast<const inotify_event*>(buffer + at);
      if ((e->mask & IN_Q_OVERFLOW) != 0) hit = true;
      if (e->len > 0) {
        const std::string name(e->name);
        if (std::find(names_.begin(), names_.end(), name) != names_.end()) hit = true;
      }
      at += sizeof(inotify_event) + e->len;
    }
  }
}

} // namespace ankisync::storage
