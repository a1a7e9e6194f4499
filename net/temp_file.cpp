#include "net/temp_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ankisync::net {

std::expected<std::unique_ptr<temp_file>, std::string>
temp_file::create(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string pattern = (dir / ".body-XXXXXX").string();
  int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0)
    return std::unexpected("cannot create a temp file in " + dir.string() + ": " +
                           std::strerror(errno));
  return std::unique_ptr<temp_file>(new temp_file(fd, std::move(pattern)));
}

temp_file::~temp_file() {
  close();
  if (!kept_)
    ::unlink(path_.c_str());
}

std::string temp_file::append(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return std::string("cannot write temp file: ") + std::strerror(errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
  }
  return {};
}

void temp_file::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

} // namespace ankisync::net
