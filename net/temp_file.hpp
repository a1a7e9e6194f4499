#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace ankisync::net {

// A file created with a unique name in a given folder and removed when this
// object dies, unless `keep()` was called. Request bodies live in these, so
// a failed or abandoned request leaves nothing behind.
class temp_file {
public:
  static std::expected<std::unique_ptr<temp_file>, std::string>
  create(const std::filesystem::path& dir);
  ~temp_file();
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  // Appends; returns an error message on failure.
  std::string append(std::string_view bytes);
  void close();
  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }
  // The caller now owns the file on disk (e.g. renamed it into place).
  void keep() { kept_ = true; }

private:
  temp_file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
  std::uint64_t size_ = 0;
  bool kept_ = false;
};

} // namespace ankisync::net
