#include "storage/media_store.hpp"

#include "storage/file_ops.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <system_error>
#include <utility>
#include <vector>

namespace ankisync::storage {

namespace {

constexpr std::size_t sha1_bytes = 20;
constexpr char hex_digits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::unexpected<storage_error> io_failure(std::string_view what, const std::filesystem::path& p,
                                          const std::error_code& ec) {
  const bool full = ec.category() == std::generic_category() || ec.category() == std::system_category()
                        ? is_disk_full(ec.value())
                        : false;
  return fail(full ? storage_errc::disk_full : storage_errc::io,
              std::string(what) + " " + p.string() + ": " + ec.message());
}

result<void> check_sha1(std::string_view sha1_raw) {
  if (sha1_raw.size() != sha1_bytes)
    return fail(storage_errc::invalid, "a media content id must be a 20-byte sha1, got " +
                                           std::to_string(sha1_raw.size()) + " bytes");
  return {};
}

} // namespace

std::string sha1_hex(std::string_view sha1_raw) {
  if (sha1_raw.size() != sha1_bytes) return {};
  std::string hex;
  hex.reserve(2 * sha1_bytes);
  for (unsigned char byte : sha1_raw) {
    hex += hex_digits[byte >> 4];
    hex += hex_digits[byte & 0xf];
  }
  return hex;
}

// Lowercase only: it is the one spelling the store writes, so anything
// else in the store folder is not ours.
std::string sha1_raw_from_hex(std::string_view hex) {
  if (hex.size() != 2 * sha1_bytes) return {};
  std::string raw;
  raw.reserve(sha1_bytes);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int high = hex_value(hex[i]);
    int low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0) return {};
    raw += static_cast<char>((high << 4) | low);
  }
  return raw;
}

media_store::media_store(std::filesystem::path folder, std::filesystem::path stage_folder)
    : folder_(std::move(folder)), stage_folder_(std::move(stage_folder)) {}

result<void> media_store::prepare() const {
  for (const auto* dir : {&folder_, &stage_folder_}) {
    std::error_code ec;
    std::filesystem::create_directories(*dir, ec);
    if (ec) return io_failure("create", *dir, ec);
  }
  return {};
}

std::filesystem::path media_store::path_of(std::string_view sha1_raw) const {
  return folder_ / sha1_hex(sha1_raw);
}

result<media_store::adopted> media_store::adopt(const std::filesystem::path& staged,
                                                std::string_view sha1_raw, bool replace) const {
  if (auto r = check_sha1(sha1_raw); !r) return std::unexpected(r.error());
  const auto target = path_of(sha1_raw);
  // One call either way: RENAME_NOREPLACE refuses an existing target
  // atomically, where a lookup then a rename would race and cost a stat.
  if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, target.c_str(),
                  replace ? 0 : RENAME_NOREPLACE) == 0)
    return adopted::moved;
  const int err = errno;
  if (err == EEXIST) return adopted::already_there;
  if (err == EINVAL && !replace) {
    // A file system without RENAME_NOREPLACE.
    std::error_code ec;
    if (std::filesystem::exists(target, ec)) return adopted::already_there;
    if (ec) return io_failure("look up", target, ec);
    std::filesystem::rename(staged, target, ec);
    if (ec) return io_failure("move " + staged.string() + " to", target, ec);
    return adopted::moved;
  }
  return io_failure("move " + staged.string() + " to", target,
                    std::error_code(err, std::generic_category()));
}

result<void> media_store::sync(const std::vector<written>& contents) const {
  if (contents.empty()) return {};
  for (const auto& c : contents) {
    if (c.fd >= 0) {
      if (::fdatasync(c.fd) != 0) {
        const std::error_code ec(errno, std::generic_category());
        return io_failure("sync", path_of(c.sha1_raw), ec);
      }
      continue;
    }
    if (auto r = fsync_path(path_of(c.sha1_raw), false); !r) return r;
  }
  return fsync_path(folder_, true);
}

bool media_store::is_temp_name(std::string_view file_name) {
  if (!file_name.starts_with(temp_prefix)) return false;
  const auto suffix = file_name.substr(temp_prefix.size());
  if (suffix.size() != temp_suffix_digits) return false;
  for (char c : suffix)
    if (hex_value(c) < 0) return false;
  return true;
}

std::size_t media_store::remove_temp_files() const {
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder_, ec), end; !ec && it != end;
       it.increment(ec))
    if (is_temp_name(it->path().filename().string()) &&
        std::filesystem::is_regular_file(it->symlink_status(ec)))
      found.push_back(it->path());
  std::size_t removed = 0;
  for (const auto& path : found)
    if (std::filesystem::remove(path, ec)) ++removed;
  return removed;
}

result<void> media_store::remove(std::string_view sha1_raw) const {
  if (auto r = check_sha1(sha1_raw); !r) return r;
  const auto target = path_of(sha1_raw);
  std::error_code ec;
  std::filesystem::remove(target, ec); // a missing file is no error here
  if (ec) return io_failure("remove", target, ec);
  return {};
}

void media_store::clear_stage() const {
  // Best effort: whatever stays behind is removed at the next call.
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(stage_folder_, ec), end; !ec && it != end;
       it.increment(ec))
    found.push_back(it->path());
  for (const auto& path : found) std::filesystem::remove_all(path, ec);
}

} // namespace ankisync::storage
