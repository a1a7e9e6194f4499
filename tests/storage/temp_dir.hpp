#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace ankisync::storage::test {

// A fresh directory under the system temp folder, removed with its
// contents when the test ends. Random names keep parallel runs apart.
struct temp_dir {
  std::filesystem::path path;

  temp_dir() {
    std::random_device rd;
    auto name = "ankisync-storage-" + std::to_string(rd()) + "-" + std::to_string(rd());
    path = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

} // namespace ankisync::storage::test
