#include "storage/data_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ankisync::storage {

result<data_lock> data_lock::acquire(const std::filesystem::path& data_dir) {
  const auto file = data_dir / ".lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(storage_errc::io, "open " + file.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return fail(storage_errc::busy, data_dir.string() + " is in use by another ankisync process "
                                                          "(a running server, or a migration)");
    return fail(storage_errc::io, "lock " + file.string() + ": " + std::strerror(err));
  }
  return data_lock(fd);
}

data_lock::~data_lock() {
  if (fd_ >= 0) ::close(fd_);
}

} // namespace ankisync::storage
