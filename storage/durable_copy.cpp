#include "storage/durable_copy.hpp"

#include <fcntl.h>
#include <nettle/sha1.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <utility>

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
  return fail(storage_errc::io,
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

result<copied_file> copy_into(int in, const std::filesystem::path& source, int out,
                              const std::filesystem::path* dest) {
  sha1_ctx ctx;
  sha1_init(&ctx);
  copied_file copied;
  std::array<unsigned char, 64 * 1024> buffer{};
  while (true) {
    const auto n = ::read(in, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", source, errno);
    }
    if (n == 0) break;
    sha1_update(&ctx, static_cast<std::size_t>(n), buffer.data());
    copied.size += n;
    if (out >= 0)
      if (auto r = write_all(out, buffer.data(), static_cast<std::size_t>(n), *dest); !r)
        return std::unexpected(r.error());
  }
  std::array<unsigned char, SHA1_DIGEST_SIZE> digest{};
  sha1_digest(&ctx, digest.size(), digest.data());
  copied.sha1_raw.assign(reinterpret_cast<const char*>(digest.data()), digest.size());
  return copied;
}

} // namespace

result<copied_file> copy_verified(const std::filesystem::path& source,
                                  const std::filesystem::path* dest,
                                  std::string_view expected_sha1_raw) {
  try {
    fd_guard in(::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (in.get() < 0) {
      if (errno == ELOOP) return fail(storage_errc::invalid, source.string() + " is a symbolic link");
      if (errno == ENOENT) return fail(storage_errc::not_found, source.string() + " is missing");
      return io_error("open", source, errno);
    }
    struct stat st {};
    if (::fstat(in.get(), &st) != 0) return io_error("stat", source, errno);
    if (!S_ISREG(st.st_mode))
      return fail(storage_errc::invalid, source.string() + " is not a regular file");

    std::optional<fd_guard> out;
    if (dest != nullptr) {
      out.emplace(::open(dest->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
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

result<void> sync_directory(const std::filesystem::path& folder) {
  fd_guard fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("open", folder, errno);
  if (::fsync(fd.get()) != 0) return io_error("fsync", folder, errno);
  return {};
}

} // namespace ankisync::storage
