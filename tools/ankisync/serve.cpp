#include <unistd.h>

#include <cerrno>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <spdlog/spdlog.h>

#include "actors/payload_limits.hpp"
#include "actors/recording/recorder.hpp"
#include "actors/runtime.hpp"
#include "net/admin_routes.hpp"
#include "net/http_server.hpp"
#include "net/http_status.hpp"
#include "net/sync_routes.hpp"
#include "net/tls_loader.hpp"
#include "net/tls_module.hpp"
#include "storage/data_lock.hpp"
#include "storage/password_hash.hpp"
#include "storage/secure_random.hpp"
#include "storage/username.hpp"
#include "storage/users_db.hpp"
#include "tools/ankisync/commands.hpp"
#include "tools/ankisync/data_folder.hpp"
#include "tools/ankisync/health_probe.hpp"
#include "tools/ankisync/malloc_tunables.hpp"
#include "tools/ankisync/process_setup.hpp"
#include "tools/ankisync/service_notify.hpp"
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

// GET /health over HTTP, or over HTTPS when TLS is on.
bool ask_health(net::tls_endpoint* tls, const std::string& host, std::uint16_t port,
                std::chrono::milliseconds timeout) {
  return tls ? tls->probe_health(host, port, timeout) : probe_health(host, port, timeout);
}

// SIGHUP: the certificate and key again, for new connections; open ones
// keep theirs. A file that does not load leaves the old certificate.
void reload_tls(net::tls_endpoint* tls) {
  if (!tls) {
    spdlog::info("SIGHUP: nothing to reload (TLS is off)");
    return;
  }
  if (auto error = tls->reload(); !error.empty())
    spdlog::error("SIGHUP: {}; still serving the previous certificate", error);
  else
    spdlog::info("SIGHUP: TLS certificate reloaded (SHA-256 {})", tls->fingerprint());
}

// Waits for SIGINT or SIGTERM; SIGHUP reloads the certificate and the wait
// goes on. Under a unit with WatchdogSec the wait wakes at half that period
// and pings the manager, but only after the server answered /health
// itself: a wedged server is then restarted.
int wait_for_stop_signal(const sigset_t& signals, service_notifier& notifier,
                         const std::string& host, std::uint16_t port, net::tls_endpoint* tls) {
  const auto interval = notifier.watchdog_interval();
  for (;;) {
    int sig = 0;
    if (!interval) {
      if (sigwait(&signals, &sig) != 0)
        continue;
    } else {
      timespec wait{};
      wait.tv_sec = interval->count() / 1000;
      wait.tv_nsec = (interval->count() % 1000) * 1000000L;
      sig = sigtimedwait(&signals, nullptr, &wait);
    }
    if (sig == SIGHUP) {
      reload_tls(tls);
      continue;
    }
    if (sig > 0)
      return sig;
    if (errno != EAGAIN)
      continue;
    if (ask_health(tls, host, port, *interval / 2))
      notifier.watchdog_ok();
    else
      spdlog::warn("/health did not answer within {} ms; the watchdog is not pinged",
                   (*interval / 2).count());
  }
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
  // As upstream's --healthcheck (used by container recipes), but asking
  // for /health rather than only connecting.
  if (flags.healthcheck) {
    std::shared_ptr<net::tls_endpoint> tls;
    if (config->tls()) {
      auto loaded = net::load_tls(config->tls_cert, config->tls_key);
      if (!loaded) {
        spdlog::error("{}", loaded.error());
        return 1;
      }
      tls = std::move(*loaded);
    }
    return ask_health(tls.get(), config->host, config->port, std::chrono::seconds(5)) ? 0 : 1;
  }
  const auto& c = *config;
  // Before the first log line and the first thread: a restart repeats both.
  restart_with_malloc_tunables(c.profile, argv);
  // After the restart, which must still see NOTIFY_SOCKET.
  service_notifier notifier;
  spdlog::info("profile {} ({})", c.profile.name, c.profile_reason);
  tell_about_official_folder();
  setup_process(c.profile);

  // Only with a certificate: without TLS the process maps no TLS library
  // at all. Before the data folder is touched: a bad file changes nothing.
  std::shared_ptr<net::tls_endpoint> tls;
  if (c.tls()) {
    auto loaded = net::load_tls(c.tls_cert, c.tls_key);
    if (!loaded) {
      spdlog::error("{}", loaded.error());
      return 1;
    }
    tls = std::move(*loaded);
    spdlog::info("HTTPS with {} (SHA-256 {})", c.tls_cert, tls->fingerprint());
  }

  if (auto refusal = refuse_foreign_folder(c.data_dir, "serve --data " + c.data_dir.string())) {
    spdlog::error("{}", *refusal);
    return 1;
  }
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
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  actors::recording::recorder_options rec;
  rec.data_dir = c.data_dir;
  rec.record_dir = c.record_dir;
  rec.all_users = c.record_all;
  rec.status_of = &net::http_status;
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
  server.use_tls(tls);

  net::listener_limits limits;
  limits.max_body_bytes = c.profile.max_payload_bytes();
  limits.spill_bytes = c.profile.body_spill_bytes;
  limits.spill_dir = c.spill_dir();
  limits.max_connections = c.profile.max_connections;
  limits.max_connections_per_ip = c.profile.max_connections_per_ip;
  limits.header_timeout = c.profile.http_header_timeout;
  limits.idle_timeout = c.profile.http_idle_timeout;
  limits.keep_alive_timeout = c.profile.http_keepalive_timeout;
  limits.ip_source = c.ip_source;
  if (c.ip_source != net::client_ip_source::connection && limits.max_connections_per_ip != 0) {
    // Every socket comes from the proxy: a per-address cap would be one
    // cap for all clients. The proxy limits its clients itself.
    spdlog::info("behind a proxy ({}): connections.max_per_ip does not apply",
                 net::client_ip_source_name(c.ip_source));
    limits.max_connections_per_ip = 0;
  }
  // net/ only frames a request; its body is decompressed in the actor
  // world once the host key is known (protocol/payload.hpp).
  const auto envelope = actors::payload_limits(c.profile);

  auto port = server.listen("sync", c.host, c.port, limits,
                            net::make_sync_routes(
                                [&runtime](protocol::sync_request&& request, net::sync_reply_fn done) {
                                  runtime.submit(std::move(request), std::move(done));
                                },
                                envelope));
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
                               net::make_admin_routes(
                                   [&runtime](net::admin_query q, net::admin_reply_fn done) {
                                     runtime.query_admin(q, std::move(done));
                                   },
                                   c.admin_token,
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

  notifier.ready(fmt::format("serving {} on {}:{}", c.data_dir.string(), c.host, *port));
  const int sig = wait_for_stop_signal(signals, notifier, c.host, *port, tls.get());
  notifier.stopping("stopping: requests in flight get " +
                    std::to_string(c.profile.shutdown_grace.count()) + " ms");
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
