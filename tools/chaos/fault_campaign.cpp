// Fault mode: the server runs with the fault shim preloaded; before each
// operation a write, fsync or rename a random number of calls ahead is
// armed to fail with ENOSPC or EIO. The request must fail cleanly (a 5xx
// with a message) or succeed, the server must keep running, and the
// collection must be as before or as after the step; every few trials
// the server is SIGKILLed and restarted to check what is on disk.

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <new>
#include <stdexcept>

#include "tests/integration/server_process.hpp"
#include "tools/chaos/campaign.hpp"
#include "tools/chaos/fault_control.hpp"
#include "tools/chaos/world.hpp"

namespace ankisync::chaos {
namespace fs = std::filesystem;

namespace {

// The control page, created here and mapped by the shim in the server.
class control_page {
public:
  explicit control_page(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::ftruncate(fd, sizeof(fault_control)) != 0)
      throw std::runtime_error("cannot create " + file.string());
    void* m = ::mmap(nullptr, sizeof(fault_control), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED)
      throw std::runtime_error("cannot map " + file.string());
    page_ = new (m) fault_control();
  }
  ~control_page() { ::munmap(page_, sizeof(fault_control)); }
  fault_control* operator->() { return page_; }

private:
  fault_control* page_ = nullptr;
};

bool shim_loaded(pid_t pid, const std::string& shim) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  const std::string name = fs::path(shim).filename().string();
  for (std::string line; std::getline(maps, line);)
    if (line.find(name) != std::string::npos)
      return true;
  return false;
}

} // namespace

void run_fault_campaign(const chaos_options& o, tally& t) {
  if (!fs::exists(o.shim))
    throw std::runtime_error("the fault shim " + o.shim + " does not exist");
  integration::temp_folder work;
  const fs::path control_file = work.path() / "fault-control";
  control_page control(control_file);
  // A server built with AddressSanitizer finds the shim loaded before
  // ASan's runtime and refuses to start; the order is harmless here (the
  // shim only calls through to libc), so that check is turned off. A
  // normal build ignores the variable.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_options =
      (asan && *asan ? std::string(asan) + ":" : std::string()) + "verify_asan_link_order=0";
  world w(o, t, work.path(),
          {{"LD_PRELOAD", fs::absolute(o.shim).string()},
           {fault_control_env, control_file.string()},
           {"ASAN_OPTIONS", asan_options}});
  const std::string root = (w.server().data_dir() / "").string();
  std::snprintf(control->root, sizeof control->root, "%s", root.c_str());

  // The server re-executes itself once for GLIBC_TUNABLES: the shim must
  // still be in the process that serves.
  if (!shim_loaded(w.server().pid(), o.shim)) {
    ++t.other;
    t.note("the fault shim is not loaded in the running server");
    return;
  }

  std::mt19937_64 rng(o.seed);
  for (int trial = 1; trial <= o.trials; ++trial) {
    ++t.trials;
    show_progress(o, "fault trial " + std::to_string(trial) + "/" + std::to_string(o.trials) +
                         ", injected " + std::to_string(t.faults_injected) + ", violations " +
                         std::to_string(t.violations()));
    const auto injected_before = control->injected.load();
    const auto eligible_before = control->eligible.load();
    // Arming at the first step: its eligible calls count down from here.
    const std::int64_t nth = 1 + static_cast<std::int64_t>(rng() % 40);
    control->error = rng() % 2 == 0 ? ENOSPC : EIO;
    bool armed = false;
    std::vector<step_record> steps;
    try {
      steps = w.random_operation(
          rng,
          [&] {
            if (!armed) {
              control->countdown = nth;
              armed = true;
              ++t.faults_armed;
            }
          },
          [] { return false; });
    } catch (const std::exception& e) {
      ++t.other;
      t.note("fault trial " + std::to_string(trial) + ": " + e.what());
    }
    control->countdown = 0;
    const auto injected = control->injected.load() - injected_before;
    t.faults_injected += injected;
    t.fault_eligible_calls += control->eligible.load() - eligible_before;

    for (const auto& s : steps) {
      if (s.failure.empty())
        continue;
      if (s.server_error) {
        ++t.clean_failures;
      } else {
        ++t.unclean_failures;
        t.note("fault trial " + std::to_string(trial) + ": " + s.context() + " with " +
               std::to_string(injected) + " fault(s) injected");
      }
    }
    if (auto ended = child::wait_for(w.server().pid(), std::chrono::milliseconds(0))) {
      ++t.crashes;
      t.note("fault trial " + std::to_string(trial) + ": the server ended: " + ended->describe() +
             "\n" + w.server().stderr_text());
    }
    try {
      if (trial % 10 == 0 || t.crashes > 0) {
        // What is on disk must be sound too, not only what the server holds.
        w.server().kill();
        ++t.kills;
        w.server().start();
        ++t.restarts;
        std::snprintf(control->root, sizeof control->root, "%s", root.c_str());
        if (!steps.empty())
          w.check_step(steps.back());
      }
      w.check_all_users();
      w.converge();
    } catch (const std::exception& e) {
      ++t.other;
      t.note("fault trial " + std::to_string(trial) + " (checks): " + e.what());
      if (!w.server().running())
        return;
    }
  }
}

} // namespace ankisync::chaos
