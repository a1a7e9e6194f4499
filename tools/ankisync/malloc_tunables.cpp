#include "tools/ankisync/malloc_tunables.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace ankisync::app {

std::optional<std::string> malloc_tunables_to_set(const profiles::profile& profile,
                                                  const char* current) {
  if (profile.malloc_thread_cache < 0)
    return std::nullopt;
  constexpr std::string_view key = "glibc.malloc.tcache_count=";
  const std::string_view now = current ? current : "";
  if (now.find(key) != std::string_view::npos)
    return std::nullopt;
  std::string value(now);
  if (!value.empty())
    value += ':';
  value += key;
  value += std::to_string(profile.malloc_thread_cache);
  return value;
}

void restart_with_malloc_tunables(const profiles::profile& profile, char** argv) {
  const auto value = malloc_tunables_to_set(profile, std::getenv("GLIBC_TUNABLES"));
  if (!value || argv == nullptr)
    return;
  // Set before the exec, so the restarted process finds it and goes on.
  if (::setenv("GLIBC_TUNABLES", value->c_str(), 1) != 0)
    return;
  // The binary's own path, not /proc/self/exe: the kernel names the process
  // after the file it runs, and ps, top and pgrep should keep showing
  // "ankisync".
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    ::execv(self, argv);
  }
  ::execv("/proc/self/exe", argv);
  spdlog::warn("cannot restart with GLIBC_TUNABLES={} ({}); malloc keeps glibc's defaults",
               *value, std::strerror(errno));
}

} // namespace ankisync::app
