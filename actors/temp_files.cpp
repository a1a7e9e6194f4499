#include "actors/temp_files.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace ankisync::actors {

std::filesystem::path temp_name(const std::filesystem::path& folder, std::string_view prefix) {
  static std::atomic<std::uint64_t> counter{0};
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return folder / (std::string(prefix) + std::to_string(::getpid()) + "-" +
                   std::to_string(counter.fetch_add(1)) + "-" + std::to_string(now));
}

} // namespace ankisync::actors
