#include "storage/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace ankisync::storage {
namespace {

namespace fs = std::filesystem;

std::error_code last_error() { return {errno, std::generic_category()}; }

} // namespace

std::error_code create_private_dirs(const fs::path& dir) {
  // Parents first: collect the missing ones from the deepest up.
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = dir; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path())
      break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    // mkdir's mode is masked by the umask; chmod states it.
    if (::mkdir(it->c_str(), 0700) != 0) {
      if (errno == EEXIST && fs::is_directory(*it, ec))
        continue; // made meanwhile by someone else: theirs, left as it is
      return last_error();
    }
    if (::chmod(it->c_str(), 0700) != 0)
      return last_error();
  }
  return {};
}

std::error_code write_private_file(const fs::path& file, std::string_view bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return last_error();
  std::error_code result;
  if (::fchmod(fd, 0600) != 0)
    result = last_error();
  while (!result && !bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno != EINTR)
        result = last_error();
      continue;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::close(fd) != 0 && !result)
    result = last_error();
  return result;
}

std::error_code make_private(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return errno == ENOENT ? std::error_code() : last_error();
  if (S_ISLNK(st.st_mode) || (st.st_mode & 077) == 0)
    return {};
  if (::chmod(path.c_str(), st.st_mode & 07700) != 0)
    return last_error();
  return {};
}

std::error_code make_private_tree(const fs::path& root) {
  auto first = make_private(root);
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(root, ec)))
    return first;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (auto e = make_private(it->path()); e && !first)
      first = e;
  }
  return first ? first : ec;
}

} // namespace ankisync::storage
