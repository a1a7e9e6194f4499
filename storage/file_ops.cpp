#include "storage/file_ops.hpp"

#include <fcntl.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <span>
#include <vector>
#include <exception>
#include <optional>
#include <utility>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <atomic>

namespace ankisync::storage {
namespace {

class fd_guard {
public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }
  // Closes now, so that a failing close is seen (it can report a write error).
  int close() { return ::close(std::exchange(fd_, -1)); }

private:
  int fd_;
};

std::unexpected<storage_error> io_error(std::string_view what, const std::filesystem::path& p,
                                        int err) {
  return fail(is_disk_full(err) ? storage_errc::disk_full : storage_errc::io,
              std::string(what) + " " + p.string() + ": " + std::strerror(err));
}

result<void> write_all(int fd, const unsigned char* data, std::size_t size,
                       const std::filesystem::path& dest) {
  while (size > 0) {
    const auto n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", dest, errno);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

// Reads `in` to its end through `buffer`, handing each piece to `take`
// (a hash) and writing it to `out` unless that is -1; the bytes read.
template <class Take>
result<std::uint64_t> pump(int in, const std::filesystem::path& source, int out,
                           const std::filesystem::path& dest, std::span<unsigned char> buffer,
                           Take take) {
  std::uint64_t total = 0;
  while (true) {
    const auto n = ::read(in, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", source, errno);
    }
    if (n == 0) break;
    take(buffer.data(), static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
    if (out >= 0)
      if (auto r = write_all(out, buffer.data(), static_cast<std::size_t>(n), dest); !r)
        return std::unexpected(r.error());
  }
  return total;
}

result<copied_file> copy_into(int in, const std::filesystem::path& source, int out,
                              const std::filesystem::path* dest) {
  sha1_ctx ctx;
  sha1_init(&ctx);
  copied_file copied;
  std::array<unsigned char, 64 * 1024> buffer{};
  auto size = pump(in, source, out, dest ? *dest : source, buffer,
                   [&](const unsigned char* p, std::size_t n) { sha1_update(&ctx, n, p); });
  if (!size)
    return std::unexpected(size.error());
  copied.size = static_cast<decltype(copied.size)>(*size);
  std::array<unsigned char, SHA1_DIGEST_SIZE> digest{};
  sha1_digest(&ctx, digest.size(), digest.data());
  copied.sha1_raw.assign(reinterpret_cast<const char*>(digest.data()), digest.size());
  return copied;
}

// The file itself, opened for reading: a symbolic link is refused, so a
// folder we are asked to take over cannot make us read outside it.
result<int> open_regular(const std::filesystem::path& source) {
  const int fd = ::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) return fail(storage_errc::invalid, source.string() + " is a symbolic link");
    if (errno == ENOENT) return fail(storage_errc::not_found, source.string() + " is missing");
    return io_error("open", source, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error("stat", source, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(storage_errc::invalid, source.string() + " is not a regular file");
  }
  return fd;
}

} // namespace

result<void> fsync_path(const std::filesystem::path& p, bool directory) {
  fd_guard f(::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC));
  if (f.get() < 0) return io_error("open", p, errno);
  if (::fsync(f.get()) != 0) return io_error("fsync", p, errno);
  return {};
}

result<std::string> sha1_of_file(const std::filesystem::path& file, bool make_durable) {
  auto opened = open_regular(file);
  if (!opened) return std::unexpected(opened.error());
  fd_guard in(*opened);
  auto read = copy_into(in.get(), file, -1, nullptr);
  if (!read) return std::unexpected(read.error());
  if (make_durable && ::fdatasync(in.get()) != 0) return io_error("fdatasync", file, errno);
  return std::move(read->sha1_raw);
}

namespace {

// Reads `in` to its end, hashing, and writes every byte to `out` unless
// it is -1.
result<hashed_copy> hash_through(int in, const std::filesystem::path& source, int out,
                                 const std::filesystem::path& dest) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  hashed_copy copied;
  std::vector<unsigned char> buffer(1024 * 1024);
  auto size = pump(in, source, out, dest, buffer,
                   [&](const unsigned char* p, std::size_t n) { sha256_update(&ctx, n, p); });
  if (!size)
    return std::unexpected(size.error());
  copied.size = *size;
  std::array<unsigned char, SHA256_DIGEST_SIZE> digest{};
  sha256_digest(&ctx, digest.size(), digest.data());
  static constexpr char hex[] = "0123456789abcdef";
  copied.sha256.reserve(2 * digest.size());
  for (unsigned char b : digest) {
    copied.sha256 += hex[b >> 4];
    copied.sha256 += hex[b & 15];
  }
  return copied;
}

} // namespace

result<std::string> sha256_hex_of_file(const std::filesystem::path& file) {
  auto opened = open_regular(file);
  if (!opened) return std::unexpected(opened.error());
  fd_guard in(*opened);
  auto hashed = hash_through(in.get(), file, -1, file);
  if (!hashed) return std::unexpected(hashed.error());
  return std::move(hashed->sha256);
}

result<hashed_copy> copy_with_sha256(const std::filesystem::path& from,
                                     const std::filesystem::path& to) {
  auto opened = open_regular(from);
  if (!opened) return std::unexpected(opened.error());
  fd_guard in(*opened);
  fd_guard out(::open(to.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) return io_error("create", to, errno);
  auto remove_to = [&] {
    std::error_code ignored;
    std::filesystem::remove(to, ignored);
  };
  // The kernel copies without the bytes passing through here (and shares
  // blocks on file systems that can), several times faster than read and
  // write; the digest is then taken from the copy, already in the cache.
  bool in_kernel = true;
  while (true) {
    const auto n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, 1 << 30, 0);
    if (n > 0) continue;
    if (n == 0) break;
    if (errno == EINTR) continue;
    if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP) {
      in_kernel = false;
      break;
    }
    const int err = errno;
    remove_to();
    return io_error("copy to", to, err);
  }
  if (!in_kernel && (::lseek(in.get(), 0, SEEK_SET) != 0 || ::ftruncate(out.get(), 0) != 0 ||
                     ::lseek(out.get(), 0, SEEK_SET) != 0)) {
    const int err = errno;
    remove_to();
    return io_error("copy to", to, err);
  }
  auto copied = in_kernel ? (::lseek(out.get(), 0, SEEK_SET) == 0
                                 ? hash_through(out.get(), to, -1, to)
                                 : io_error("seek", to, errno))
                          : hash_through(in.get(), from, out.get(), to);
  int err = 0;
  if (copied && ::fsync(out.get()) != 0) err = errno;
  if (copied && out.close() != 0 && err == 0) err = errno;
  if (!copied || err != 0) {
    remove_to();
    if (!copied) return copied;
    return io_error("write", to, err);
  }
  return copied;
}

result<void> link_or_copy(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return {};
  // Another file system, or one without hard links: a real copy.
  if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP)
    return io_error("link", to, errno);
  return copy_file_durably(from, to);
}

result<copied_file> copy_verified(const std::filesystem::path& source,
                                  const std::filesystem::path* dest,
                                  std::string_view expected_sha1_raw) {
  try {
    auto opened = open_regular(source);
    if (!opened) return std::unexpected(opened.error());
    fd_guard in(*opened);

    std::optional<fd_guard> out;
    if (dest != nullptr) {
      out.emplace(::open(dest->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (out->get() < 0) return io_error("create", *dest, errno);
    }
    auto remove_dest = [&] {
      if (dest == nullptr) return;
      out.reset();
      std::error_code ignored;
      std::filesystem::remove(*dest, ignored);
    };

    auto copied = copy_into(in.get(), source, out ? out->get() : -1, dest);
    if (!copied) {
      remove_dest();
      return copied;
    }
    if (copied->sha1_raw != expected_sha1_raw) {
      remove_dest();
      return fail(storage_errc::corrupt, source.string() + ": the content does not match its sha1");
    }
    if (out) {
      if (::fsync(out->get()) != 0) {
        const int err = errno;
        remove_dest();
        return io_error("fsync", *dest, err);
      }
      if (out->close() != 0) {
        const int err = errno;
        remove_dest();
        return io_error("close", *dest, err);
      }
    }
    return copied;
  } catch (const std::exception& e) {
    return fail(storage_errc::io, source.string() + ": " + e.what());
  }
}

result<void> copy_file_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  if (std::filesystem::exists(to, ec)) return io_error("create", to, EEXIST);
  static std::atomic<unsigned> counter{0};
  const auto temp = to.parent_path() / (".ankisync-copy-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(++counter));
  std::filesystem::copy_file(from, temp, ec);
  if (ec) return fail(storage_errc::io, "copy " + from.string() + ": " + ec.message());
  auto done = fsync_path(temp, false);
  if (done) {
    // link(2) refuses an existing target, where rename(2) would replace it.
    if (::link(temp.c_str(), to.c_str()) != 0) done = io_error("link", to, errno);
  }
  std::filesystem::remove(temp, ec);
  return done;
}

} // namespace ankisync::storage
