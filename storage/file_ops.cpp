#include "storage/file_ops.hpp"

#include <fcntl.h>
#include <nettle/sha1.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <atomic>

namespace ankisync::storage {
namespace {

std::unexpected<storage_error> errno_failure(std::string_view what, const std::filesystem::path& p,
                                             int err) {
  return fail(storage_errc::io, std::string(what) + " " + p.string() + ": " + std::strerror(err));
}

// Closes on every path out of a function.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

} // namespace

result<void> fsync_path(const std::filesystem::path& p, bool directory) {
  fd_guard f{::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC)};
  if (f.fd < 0) return errno_failure("open", p, errno);
  if (::fsync(f.fd) != 0) return errno_failure("fsync", p, errno);
  return {};
}

result<std::string> sha1_of_file(const std::filesystem::path& file, bool make_durable) {
  // O_NOFOLLOW: a link in a folder we are asked to take over could point
  // anywhere; only the file itself is hashed.
  fd_guard f{::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (f.fd < 0) return errno_failure("open", file, errno);
  struct stat st{};
  if (::fstat(f.fd, &st) != 0) return errno_failure("stat", file, errno);
  if (!S_ISREG(st.st_mode)) return fail(storage_errc::invalid, file.string() + " is not a regular file");

  sha1_ctx ctx;
  sha1_init(&ctx);
  std::array<std::uint8_t, 64 * 1024> buffer;
  while (true) {
    const ssize_t n = ::read(f.fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_failure("read", file, errno);
    }
    if (n == 0) break;
    sha1_update(&ctx, static_cast<std::size_t>(n), buffer.data());
  }
  if (make_durable && ::fdatasync(f.fd) != 0) return errno_failure("fdatasync", file, errno);
  std::string digest(SHA1_DIGEST_SIZE, '\0');
  sha1_digest(&ctx, SHA1_DIGEST_SIZE, reinterpret_cast<std::uint8_t*>(digest.data()));
  return digest;
}

result<void> copy_file_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  if (std::filesystem::exists(to, ec)) return errno_failure("create", to, EEXIST);
  static std::atomic<unsigned> counter{0};
  const auto temp = to.parent_path() / (".ankisync-copy-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(++counter));
  std::filesystem::copy_file(from, temp, ec);
  if (ec) return fail(storage_errc::io, "copy " + from.string() + ": " + ec.message());
  auto done = fsync_path(temp, false);
  if (done) {
    // link(2) refuses an existing target, where rename(2) would replace it.
    if (::link(temp.c_str(), to.c_str()) != 0) done = errno_failure("link", to, errno);
  }
  std::filesystem::remove(temp, ec);
  return done;
}

} // namespace ankisync::storage
