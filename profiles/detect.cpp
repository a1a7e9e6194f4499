#include <fstream>
#include <sstream>
#include <thread>

#include "profiles/profile.hpp"

namespace ankisync::profiles {
namespace {

constexpr std::uint64_t small_machine_ram = 2ull << 30;

std::uint64_t read_total_ram() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemTotal:")
      return kib * 1024;
  }
  return 0;
}

std::string read_model() {
  // Raspberry Pi OS and most ARM boards expose the board name here; the
  // string ends in a NUL.
  std::ifstream dt("/proc/device-tree/model", std::ios::binary);
  if (dt) {
    std::string model((std::istreambuf_iterator<char>(dt)), {});
    while (!model.empty() && (model.back() == '\0' || model.back() == '\n'))
      model.pop_back();
    if (!model.empty())
      return model;
  }
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line)) {
    if (line.rfind("Model", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        return value;
      }
    }
  }
  return {};
}

std::string describe_ram(std::uint64_t bytes) {
  std::ostringstream out;
  out << (bytes >> 20) << " MiB RAM";
  return out.str();
}

} // namespace

machine_facts read_machine_facts() {
  machine_facts f;
  f.total_ram_bytes = read_total_ram();
  f.model = read_model();
  f.hardware_threads = std::max(1u, std::thread::hardware_concurrency());
  return f;
}

std::optional<detection> detect_profile(const machine_facts& facts, std::string_view requested) {
  if (!requested.empty()) {
    auto p = profile_by_name(requested, facts.hardware_threads);
    if (!p)
      return std::nullopt;
    return detection{std::move(*p), "requested explicitly"};
  }
  if (facts.model.find("Raspberry Pi") != std::string::npos)
    return detection{pi_profile(), "board model is \"" + facts.model + "\""};
  if (facts.total_ram_bytes != 0 && facts.total_ram_bytes < small_machine_ram)
    return detection{pi_profile(), describe_ram(facts.total_ram_bytes) + " (under 2 GiB)"};
  return detection{server_profile(facts.hardware_threads),
                   describe_ram(facts.total_ram_bytes) + ", " +
                       std::to_string(facts.hardware_threads) + " hardware threads"};
}

} // namespace ankisync::profiles
