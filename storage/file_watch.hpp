#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ankisync::storage {

// Tells whether any of some files in one folder was written, created,
// renamed or removed since the last ask, for a cache that must notice
// another process's change (`ankisync user passwd` while the server runs)
// without asking the file itself on every request. Built on inotify: the
// kernel queues the event before the writer's write() returns, so a change
// finished before a request arrives is always seen by that request. One
// non-blocking read per ask, no thread. Where inotify is unavailable it
// answers "changed" every time, and the caller re-reads as it would have.
class file_watch {
public:
  file_watch(const std::filesystem::path& folder, std::vector<std::string> names);
  file_watch(const file_watch&) = delete;
  file_watch& operator=(const file_watch&) = delete;
  ~file_watch();

  bool changed();

private:
  int fd_ = -1;
  std::vector<std::string> names_;
};

} // namespace ankisync::storage
