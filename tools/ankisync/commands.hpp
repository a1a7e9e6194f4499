#pragma once

#include <optional>
#include <string>

#include "net/admin_routes.hpp"
#include "tools/ankisync/server_config.hpp"

namespace ankisync::app {

// Each returns the process exit code.
// `argv` is the process's own, for a restart (malloc_tunables.hpp).
int run_serve(const serve_flags& flags, char** argv);

struct user_command {
  enum class action { add, remove, passwd, list, set } what = action::list;
  std::string data_dir;
  std::string name;
  std::optional<std::string> password; // read from stdin when absent
  storage::users_db::quota quota;      // `set`: the quotas given
};
int run_user_command(const user_command& cmd);

struct migrate_command {
  std::string data_dir;
  std::string user;        // one user's folder; every user with media if empty
  bool to_official = false; // back to the official server's layout
  bool dry_run = false;
};
int run_migrate_command(const migrate_command& cmd);

// `ankisync import --from ankicommunity DIR` (docs/migration.md).
struct import_command {
  std::string data_dir;
  std::string from;       // the only value so far: "ankicommunity"
  std::string source_dir; // the old server's data_root
  std::string auth_db;    // default <source_dir>/auth.db
  std::string session_db; // default <source_dir>/session.db
  std::string only_user;  // empty: every user
  bool dry_run = false;
};
int run_import_command(const import_command& cmd);

// `ankisync backup DIR`, `restore BACKUP`, `check` (docs/backup.md):
// directly on the data folder, or through the running server's admin
// endpoint.
struct data_safety_command {
  net::admin_task task;
  std::string data_dir;
  std::string admin_host; // empty: $ANKISYNC_ADMIN_HOST or 127.0.0.1
  std::optional<std::uint16_t> admin_port; // default 8081, as serve
  std::string admin_token;                 // default $ANKISYNC_ADMIN_TOKEN
};
int run_data_safety_command(data_safety_command cmd);

} // namespace ankisync::app
