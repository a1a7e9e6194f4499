// `ankisync backup`, `restore` and `check` (docs/backup.md). With the
// data folder's lock free they work on the folder directly, holding the
// lock; while a server holds it they ask that server's admin endpoint,
// whose actors take each user's step between sync sessions.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "protocol/query_string.hpp"
#include "storage/data_lock.hpp"
#include "tools/ankisync/commands.hpp"
#include "tools/ankisync/data_folder.hpp"
#include "tools/ankisync/health_probe.hpp"
#include "tools/ankisync/task_runner.hpp"

namespace ankisync::app {
namespace {

namespace fs = std::filesystem;

const char* verb(net::admin_task_kind kind) {
  switch (kind) {
  case net::admin_task_kind::backup:
    return "backup";
  case net::admin_task_kind::restore:
    return "restore";
  case net::admin_task_kind::check:
    break;
  }
  return "check";
}

void print_user(const storage::user_outcome& u) {
  std::printf("%-20s %-6s %s\n", u.user.c_str(), u.ok ? "ok" : "FAILED", u.line.c_str());
  std::fflush(stdout);
}

int finish(const data_safety_command& cmd, const storage::maintenance_report& r, bool printed) {
  if (!printed)
    for (const auto& u : r.users)
      print_user(u);
  if (!r.error.empty())
    std::cerr << "ankisync: " << r.error << "\n";
  if (cmd.task.kind == net::admin_task_kind::backup && !r.path.empty())
    std::cout << (r.ok ? "backup complete: " : "incomplete backup (no manifest) left at ") << r.path
              << "\n";
  if (!r.ok) {
    std::string broken;
    for (const auto& u : r.users)
      if (!u.ok)
        broken += (broken.empty() ? "" : ", ") + u.user;
    if (!broken.empty())
      std::cerr << "ankisync: " << verb(cmd.task.kind) << " failed for: " << broken << "\n";
  }
  return r.ok ? 0 : 1;
}

std::string query(const net::admin_task& t) {
  std::string q;
  auto add = [&](const char* key, const std::string& value) {
    q += (q.empty() ? "?" : "&") + std::string(key) + "=" + protocol::percent_encode(value);
  };
  if (t.kind == net::admin_task_kind::backup)
    add("dir", t.path);
  if (t.kind == net::admin_task_kind::restore)
    add("backup", t.path);
  if (!t.user.empty())
    add("user", t.user);
  if (t.repair_media)
    add("repair_media", "1");
  return q;
}

int through_server(const data_safety_command& cmd) {
  const auto* env_token = std::getenv("ANKISYNC_ADMIN_TOKEN");
  const auto token = !cmd.admin_token.empty() ? cmd.admin_token : env_token ? env_token : "";
  // The same settings `serve` reads, so a shell with the service's
  // environment finds it without flags.
  auto admin = resolve_admin_address(cmd.admin_host, cmd.admin_port);
  if (!admin) {
    std::cerr << "ankisync: " << admin.error() << "\n";
    return 2;
  }
  const auto& [host, port] = *admin;
  if (::isatty(STDERR_FILENO))
    std::fprintf(stderr, "the server is running: asking it (admin endpoint %s:%u)...\n",
                 host.c_str(), port);
  // A backup of many users takes its time.
  const std::string auth = token.empty() ? std::string() : "X-Admin-Token: " + token + "\r\n";
  auto r = plain_request(host, port, "POST",
                         std::string("/admin/") + verb(cmd.task.kind) + query(cmd.task), auth,
                         std::chrono::hours(24));
  if (!r) {
    std::cerr << "ankisync: a server holds the data folder, but its admin endpoint at "
              << host << ":" << port << " did not answer (" << r.error()
              << "); pass --admin-host/--admin-port as given to serve\n";
    return 1;
  }
  if (r->status != 200) {
    std::cerr << "ankisync: the server refused: " << r->body << "\n";
    return 1;
  }
  return finish(cmd, storage::decode_report(r->body), false);
}

} // namespace

int run_data_safety_command(data_safety_command cmd) {
  const auto data_dir = fs::absolute(resolve_data_dir(cmd.data_dir));
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) {
    std::cerr << "ankisync: no data folder at " << data_dir.string() << "\n";
    return 2;
  }
  if (auto refusal = refuse_foreign_folder(data_dir, std::string(verb(cmd.task.kind)) +
                                                        " ... --data " + data_dir.string())) {
    std::cerr << "ankisync: " << *refusal << "\n";
    return 2;
  }
  if (!cmd.task.path.empty())
    cmd.task.path = fs::absolute(cmd.task.path).lexically_normal().string();
  auto lock = storage::data_lock::acquire(data_dir);
  if (!lock) {
    if (lock.error().code != storage::storage_errc::busy) {
      std::cerr << "ankisync: " << lock.error().message << "\n";
      return 1;
    }
    return through_server(cmd);
  }
  task_runner runner(data_dir, storage::run_directly);
  storage::maintenance_report report;
  runner.run_now(cmd.task, report, print_user);
  return finish(cmd, report, true);
}

} // namespace ankisync::app
