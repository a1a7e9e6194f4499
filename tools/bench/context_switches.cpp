#include "tools/bench/context_switches.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ankisync::bench {
namespace {

// The two counters of one /proc/<pid>/task/<tid>/status.
switch_counts thread_switches(const std::filesystem::path& status) {
  std::ifstream in(status);
  switch_counts c;
  std::string line;
  auto value = [&] { return std::strtoull(line.c_str() + line.find(':') + 1, nullptr, 10); };
  while (std::getline(in, line)) {
    if (line.starts_with("voluntary_ctxt_switches:"))
      c.voluntary = value();
    else if (line.starts_with("nonvoluntary_ctxt_switches:"))
      c.nonvoluntary = value();
  }
  return c;
}

} // namespace

switch_counts context_switches(pid_t pid) {
  switch_counts sum;
  if (pid <= 0)
    return sum;
  std::error_code ec;
  // A thread may end while the folder is listed: its status then reads empty.
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec))
    sum += thread_switches(task.path() / "status");
  return sum;
}

} // namespace ankisync::bench
