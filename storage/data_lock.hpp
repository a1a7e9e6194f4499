#pragma once

#include <filesystem>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

// An exclusive lock on a data folder (flock on `<data>/.lock`), held by a
// running server and by commands that move files under it (migrate), so
// neither changes files the other is using. The kernel drops it when the
// process ends, however it ends, so a crash leaves nothing to clean up.
class data_lock {
public:
  // storage_errc::busy when another process holds it.
  static result<data_lock> acquire(const std::filesystem::path& data_dir);
  data_lock(data_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  data_lock& operator=(data_lock&&) = delete;
  ~data_lock();

private:
  explicit data_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace ankisync::storage
