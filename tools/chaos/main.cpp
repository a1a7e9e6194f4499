// ankisync-chaos: crash, fault and load campaigns against the real server
// binary (docs/reliability.md, "Chaos"). Exits 1 on any violation, 2 on
// bad arguments.

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>

#include "tools/chaos/campaign.hpp"

namespace fs = std::filesystem;
using namespace ankisync::chaos;

namespace {

constexpr const char* usage =
    "usage: ankisync-chaos kill|fault|load [--seed N] [--trials N] [--users N] [--devices N]\n"
    "                      [--seconds N] [--connections N] [--cut-fraction F] [--sample N]\n"
    "                      [--server PATH] [--shim PATH] [--tamper]\n"
    "  kill   SIGKILL the server at random moments of random syncs (--trials, default 200)\n"
    "  fault  fail the server's writes with ENOSPC/EIO through an LD_PRELOAD shim\n"
    "  load   many users (--users, default 1000) for --seconds (60) with cut-off syncs\n"
    "  --tamper (kill) adds a review behind the server at each kill: must be reported\n";

fs::path beside_this_tool(const fs::path& relative) {
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? relative : self.parent_path() / relative;
}

bool parse(int argc, char** argv, chaos_options& o) {
  if (argc < 2)
    return false;
  o.mode = argv[1];
  if (o.mode != "kill" && o.mode != "fault" && o.mode != "load")
    return false;
  bool users_given = false, seed_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--tamper") {
      o.tamper = true;
      continue;
    }
    if (i + 1 >= argc)
      return false;
    const std::string v = argv[++i];
    try {
      if (a == "--seed") o.seed = std::stoull(v), seed_given = true;
      else if (a == "--trials") o.trials = std::stoi(v);
      else if (a == "--users") o.users = std::stoi(v), users_given = true;
      else if (a == "--devices") o.devices = std::stoi(v);
      else if (a == "--seconds") o.seconds = std::stoi(v);
      else if (a == "--connections") o.connections = std::stoi(v);
      else if (a == "--cut-fraction") o.cut_fraction = std::stod(v);
      else if (a == "--sample") o.sample = std::stoi(v);
      else if (a == "--server") o.server = v;
      else if (a == "--shim") o.shim = v;
      else return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  if (o.trials < 1 || o.users < 1 || o.devices < 1 || o.seconds < 1 || o.connections < 1 ||
      o.cut_fraction < 0 || o.cut_fraction > 1)
    return false;
  if (!users_given && o.mode == "load")
    o.users = 1000;
  if (!seed_given)
    o.seed = std::random_device{}();
  return true;
}

} // namespace

int main(int argc, char** argv) {
  chaos_options o;
  if (!parse(argc, argv, o)) {
    std::cerr << usage;
    return 2;
  }
  o.progress = ::isatty(2) == 1;
  if (o.server.empty()) {
    // In the build tree the server sits in tools/ankisync beside tools/chaos.
    const auto built = beside_this_tool("../ankisync/ankisync");
    if (fs::exists(built))
      o.server = built.string();
  }
  if (!o.server.empty())
    ::setenv("ANKISYNC_SERVER_BINARY", fs::absolute(o.server).c_str(), 1);
  if (o.shim.empty())
    o.shim = beside_this_tool("libankisync_fault_shim.so").string();

  std::cout << "ankisync-chaos " << o.mode << ": seed " << o.seed << std::endl;
  tally t;
  const auto start = std::chrono::steady_clock::now();
  try {
    if (o.mode == "kill")
      run_kill_campaign(o, t);
    else if (o.mode == "fault")
      run_fault_campaign(o, t);
    else
      run_load_campaign(o, t);
  } catch (const std::exception& e) {
    ++t.other;
    t.note(std::string("the campaign stopped: ") + e.what());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_summary(o, t, seconds);
  return t.violations() == 0 ? 0 : 1;
}
