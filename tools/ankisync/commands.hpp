#pragma once

#include <optional>
#include <string>

#include "tools/ankisync/server_config.hpp"

namespace ankisync::app {

// Each returns the process exit code.
// `argv` is the process's own, for a restart (malloc_tunables.hpp).
int run_serve(const serve_flags& flags, char** argv);

struct user_command {
  enum class action { add, remove, passwd, list } what = action::list;
  std::string data_dir;
  std::string name;
  std::optional<std::string> password; // read from stdin when absent
};
int run_user_command(const user_command& cmd);

} // namespace ankisync::app
