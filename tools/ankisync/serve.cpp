#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <spdlog/spdlog.h>

#include "actors/recording/recorder.hpp"
#include "actors/runtime.hpp"
#include "net/admin_routes.hpp"
#include "net/http_server.hpp"
#include "net/sync_routes.hpp"
#include "storage/data_lock.hpp"
#include "storage/password_hash.hpp"
#include "storage/secure_random.hpp"
#include "storage/username.hpp"
#include "storage/users_db.hpp"
#include "tools/ankisync/commands.hpp"
#include "tools/ankisync/data_folder.hpp"
#include "tools/ankisync/malloc_tunables.hpp"
#include "tools/ankisync/process_setup.hpp"
#include "tools/ankisync/task_runner.hpp"

namespace ankisync::app {
namespace {

std::string random_password() {
  static constexpr char alphabet[] =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  unsigned char bytes[20];
  if (!storage::random_bytes(bytes))
    return {};
  std::string out;
  for (unsigned char b : bytes)
    out += alphabet[b % (sizeof alphabet - 1)];
  return out;
}

// A first start with no users at all must still be usable, but never with
// a password anyone could know: make one up and show it once.
bool bootstrap_first_user(storage::users_db& db) {
  auto users = db.list_users();
  if (!users) {
    spdlog::error("cannot read users: {}", users.error().message);
    return false;
  }
  if (!users->empty())
    return true;
  const std::string name = "user";
  const auto password = random_password();
  if (password.empty()) {
    spdlog::error("cannot create the first user: the kernel gave no random bytes");
    return false;
  }
  if (auto added = db.add_user(name, storage::hash_password(password)); !added) {
    spdlog::error("cannot create the first user: {}", added.error().message);
    return false;
  }
  std::cout << "No users yet: created user '" << name << "' with password '" << password
            << "'.\nIt is shown only this once; change it with: ankisync user passwd " << name
            << std::endl;
  return true;
}

// As upstream's --healthcheck (used by container recipes): can we connect?
int healthcheck(const server_config& c) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const auto port = std::to_string(c.port);
  if (::getaddrinfo(c.host.c_str(), port.c_str(), &hints, &found) != 0)
    return 1;
  int status = 1;
  for (auto* a = found; a && status != 0; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0)
      continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0)
      status = 0;
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return status;
}

bool write_ready_file(const std::string& path, std::uint16_t port, std::uint16_t admin_port) {
  // Written under another name and renamed, so a reader never sees half.
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial);
    out << port << " " << admin_port << "\n";
    if (!out)
      return false;
  }
  return std::rename(partial.c_str(), path.c_str()) == 0;
}

// POST /admin/record?user=NAME&on=1|0 and GET /admin/record.
net::admin_record_fn record_control(actors::recording::recorder& recorder) {
  return [&recorder](const std::string& user,
                     std::optional<bool> on) -> std::expected<std::string, protocol::sync_error> {
    if (on) {
      auto canonical = storage::canonical_username(user);
      if (!canonical)
        return std::unexpected(
            protocol::make_error(protocol::error_code::bad_request, canonical.error()));
      if (auto set = recorder.set_user(*canonical, *on); !set)
        return std::unexpected(protocol::make_error(protocol::error_code::conflict, set.error()));
    }
    return recorder.status_json();
  };
}

} // namespace

int run_serve(const serve_flags& flags, char** argv) {
  auto config = resolve_config(flags);
  if (!config) {
    spdlog::error("{}", config.error());
    return 2;
  }
  // Said once: under pi it must come after the restart below.
  auto tell_about_official_folder = [&] {
    if (auto official = unused_official_data_folder(flags.data_dir))
      spdlog::warn("{} (the official server's data folder) exists but ankisync serves {}; "
                   "set SYNC_BASE={} to serve it",
                   official->string(), config->data_dir.string(), official->string());
  };
  if (flags.dump_config) {
    tell_about_official_folder();
    std::cout << dump_config(*config);
    return 0;
  }
  if (flags.healthcheck)
    return healthcheck(*config);
  const auto& c = *config;
  // Before the first log line and the first thread: a restart repeats both.
  restart_with_malloc_tunables(c.profile, argv);
  spdlog::info("profile {} ({})", c.profile.name, c.profile_reason);
  tell_about_official_folder();
  setup_process(c.profile);

  std::error_code ec;
  std::filesystem::create_directories(c.data_dir, ec);
  if (ec) {
    spdlog::error("cannot create data folder {}: {}", c.data_dir.string(), ec.message());
    return 1;
  }
  // Held until the process ends: a second server, or a migration, on the
  // same folder would move files under this one's feet.
  auto lock = storage::data_lock::acquire(c.data_dir);
  if (!lock) {
    spdlog::error("{}", lock.error().message);
    return 1;
  }
  // Bodies of requests that were in flight when the server last stopped
  // (a crash, a kill) are of no use to anyone now.
  std::filesystem::remove_all(c.spill_dir(), ec);
  {
    auto db = storage::users_db::open(c.users_db_file());
    if (!db) {
      spdlog::error("cannot open {}: {}", c.users_db_file().string(), db.error().message);
      return 1;
    }
    if (auto synced = db->sync_env_users(c.env_users, storage::default_pbkdf2_rounds); !synced) {
      spdlog::error("SYNC_USER entries: {}", synced.error().message);
      return 2;
    }
    if (!bootstrap_first_user(*db))
      return 1;
    make_data_folder_private(c.data_dir, *db);
  }

  // Signals are taken by sigwait below; every thread started from here on
  // inherits the mask, so none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  actors::recording::recorder_options rec;
  rec.data_dir = c.data_dir;
  rec.record_dir = c.record_dir;
  rec.all_users = c.record_all;
  // Declared before the runtime, which holds a pointer to it.
  actors::recording::recorder recorder(rec);
  if (c.record_all)
    spdlog::info("recording every user's sync sessions into {}", c.record_dir.string());

  // One set of counters: the listeners and the actors add, the admin
  // endpoint reads (/admin/stats, /metrics).
  protocol::server_metrics counters;
  actors::runtime_options ro;
  ro.profile = c.profile;
  ro.data_dir = c.data_dir;
  ro.users_db_file = c.users_db_file();
  ro.counters = &counters;
  ro.idle_eviction = c.idle_eviction_override;
  ro.recorder = &recorder;
  actors::runtime runtime(ro);
  // Between the runtime, which its tasks use, and the listeners, whose
  // admin routes hand it tasks.
  task_runner tasks(c.data_dir, runtime.user_owner(), &counters);
  if (c.backup_every.count() > 0)
    tasks.schedule_backups(c.backup_dir, c.backup_every, c.backup_keep);
  // Declared after the runtime so it is destroyed first: its handlers hold
  // actor handles, and tearing down the actor system waits for the last one.
  net::http_server server(c.profile.io_threads, counters);

  net::listener_limits limits;
  limits.max_body_bytes = c.profile.max_payload_bytes();
  limits.spill_bytes = c.profile.body_spill_bytes;
  limits.spill_dir = c.spill_dir();
  limits.max_connections = c.profile.max_connections;
  limits.max_connections_per_ip = c.profile.max_connections_per_ip;
  limits.header_timeout = c.profile.http_header_timeout;
  limits.idle_timeout = c.profile.http_idle_timeout;
  limits.keep_alive_timeout = c.profile.http_keepalive_timeout;
  protocol::envelope_limits envelope{c.profile.max_uncompressed_bytes()};
  // A legacy multipart `data` part larger than a body kept in memory goes
  // to a file of its own, like the body itself.
  envelope.max_part_in_memory = c.profile.body_spill_bytes;
  envelope.defer_body_errors = true;

  auto port = server.listen("sync", c.host, c.port, limits,
                            net::make_sync_routes(runtime.sync_backend(), envelope));
  if (!port) {
    spdlog::error("{}", port.error());
    return 1;
  }
  std::uint16_t admin_port = 0;
  if (c.admin_enabled) {
    net::listener_limits admin_limits;
    admin_limits.max_body_bytes = 64 * 1024;
    admin_limits.spill_dir = c.spill_dir();
    // Its own few slots: monitoring still gets in while sync is at its cap.
    admin_limits.max_connections = 16;
    admin_limits.header_timeout = limits.header_timeout;
    admin_limits.idle_timeout = limits.idle_timeout;
    admin_limits.keep_alive_timeout = limits.keep_alive_timeout;
    auto bound = server.listen("admin", c.admin_host, c.admin_port, admin_limits,
                               net::make_admin_routes(runtime.admin_backend(), c.admin_token,
                                                      record_control(recorder),
                                                      c.admin_open_loopback, tasks.admin_tasks()));
    if (!bound) {
      spdlog::error("admin endpoint: {}", bound.error());
      return 1;
    }
    admin_port = *bound;
  }
  server.start();
  spdlog::info("listening on {}:{}{}", c.host, *port,
               c.admin_enabled ? fmt::format(", admin on {}:{}", c.admin_host, admin_port) : "");
  if (!c.ready_file.empty() && !write_ready_file(c.ready_file, *port, admin_port))
    spdlog::warn("cannot write ready file {}", c.ready_file);

  int sig = 0;
  sigwait(&signals, &sig);
  // Bounded (docs/operations.md): requests in flight get the grace, then
  // the actor world stops; whatever still runs after that is abandoned.
  const auto deadline = std::chrono::steady_clock::now() + c.profile.shutdown_grace;
  spdlog::info("shutting down ({}): requests in flight get {} ms",
               sig == SIGINT ? "SIGINT" : "SIGTERM", c.profile.shutdown_grace.count());
  server.stop_accepting();
  tasks.stop();
  if (auto left = server.drain(deadline); left > 0)
    spdlog::warn("{} requests still in flight after the grace; they are answered 503 or cut", left);
  const auto report = runtime.shutdown(deadline);
  server.stop();
  // Bodies of cut requests; the next start would remove them too.
  std::filesystem::remove_all(c.spill_dir(), ec);
  if (!report.clean()) {
    // A pool thread still hashes or decodes; it writes nothing a user sees
    // until its actor acts on the result, which will not happen now, so
    // leaving is as safe as a crash there (actors/blocking_pool.hpp). The
    // actor system must not be torn down under it: no destructors.
    spdlog::warn("abandoning {} blocking jobs and {} actors still running", report.abandoned_jobs,
                 report.running_actors);
    spdlog::shutdown();
    std::_Exit(0);
  }
  tasks.join();
  spdlog::info("stopped");
  return 0;
}

} // namespace ankisync::app
