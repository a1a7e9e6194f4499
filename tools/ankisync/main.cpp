// ankisync: a self-hosted Anki sync server. CLI11 is included here only
// (it is slow to compile).
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include "tools/ankisync/commands.hpp"
#include "tools/ankisync/log_setup.hpp"

int main(int argc, char** argv) {
  namespace net = ankisync::net;
  using namespace ankisync::app;
  // Everything `serve` and `user` write into the data folder (users.db,
  // collections, media, recordings, spilled request bodies) is for the
  // server's account alone: folders come out 0700 and files 0600 whatever
  // the shell's umask. Set before any thread or file exists; a restart
  // for the malloc tunables inherits it.
  ::umask(077);
  setup_logging();

  CLI::App app{"ankisync: a self-hosted Anki sync server"};
  app.require_subcommand(1);

  serve_flags serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the sync server");
  serve_cmd->add_option("--data", serve.data_dir, "Data folder (default: $SYNC_BASE or ./data)");
  serve_cmd->add_option("--host", serve.host, "Address to listen on (default: $SYNC_HOST or 127.0.0.1)");
  serve_cmd->add_option("--port", serve.port, "Port to listen on (default: $SYNC_PORT or 8080; 0 picks one)");
  serve_cmd->add_option("--ip-header", serve.ip_header,
                        "Behind a proxy: where the client's address is, e.g. RightmostXForwardedFor "
                        "or XRealIp (default: $SYNC_IP_HEADER, else the connection)");
  serve_cmd->add_option("--admin-host", serve.admin_host, "Admin endpoint address (default: $ANKISYNC_ADMIN_HOST or 127.0.0.1)");
  serve_cmd->add_option("--admin-port", serve.admin_port, "Admin endpoint port (default: $ANKISYNC_ADMIN_PORT or 8081; 0 picks one)");
  serve_cmd->add_option("--admin-token", serve.admin_token,
                        "Token the admin endpoint requires (default: $ANKISYNC_ADMIN_TOKEN)");
  serve_cmd->add_flag("--no-admin", serve.no_admin, "Do not open the admin endpoint");
  serve_cmd->add_flag("--admin-open-loopback", serve.admin_open_loopback,
                      "Without a token, let loopback clients use admin routes that change "
                      "something (switching recording); docs/admin.md");
  serve_cmd->add_option("--tls-cert", serve.tls_cert,
                        "HTTPS on both listeners with this PEM certificate (a chain allowed; "
                        "default: $ANKISYNC_TLS_CERT); SIGHUP reloads it");
  serve_cmd->add_option("--tls-key", serve.tls_key,
                        "The certificate's PEM private key (default: $ANKISYNC_TLS_KEY)");
  serve_cmd->add_option("--profile", serve.profile, "pi or server (default: $SYNC_PROFILE or detected)")
      ->check(CLI::IsMember({"pi", "server"}));
  serve_cmd->add_option("--idle-eviction-ms", serve.idle_eviction_ms,
                        "Close a user's collection after this long unused (overrides the profile)");
  serve_cmd->add_option("--scheduler-threads", serve.scheduler_threads,
                        "Actor scheduler threads (overrides the profile)")
      ->check(CLI::Range(1u, 1024u));
  serve_cmd->add_option("--session-idle-timeout-ms", serve.session_idle_timeout_ms,
                        "Roll back a sync session after this long without a request (overrides the profile)");
  serve_cmd->add_option("--session-stall-ms", serve.session_stall_ms,
                        "While another device waits, roll back a sync session after this long "
                        "without a request (overrides the profile)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3600000}));
  serve_cmd->add_option("--ready-file", serve.ready_file,
                        "Write '<port> <admin port>' to this file once listening");
  serve_cmd->add_option("--record", serve.record_dir,
                        "Record every user's sync sessions into this folder (docs/replay.md)");
  serve_cmd->add_option("--backup-dir", serve.backup_dir,
                        "Take scheduled backups into this folder (default: $ANKISYNC_BACKUP_DIR)");
  serve_cmd->add_option("--backup-every", serve.backup_every,
                        "How often, e.g. 24h, 30m (default: $ANKISYNC_BACKUP_EVERY)");
  serve_cmd->add_option("--backup-keep", serve.backup_keep,
                        "Complete backups to keep, newest first (default: $ANKISYNC_BACKUP_KEEP or 7)");
  serve_cmd->add_option("--set", serve.settings,
                        "Override a profile setting, KEY=VALUE with keys as --dump-config prints them (repeatable)");
  serve_cmd->add_flag("--dump-config", serve.dump_config, "Print the effective settings and exit");
  serve_cmd->add_flag("--healthcheck", serve.healthcheck,
                      "Exit 0 if a server accepts connections on the configured address, else 1");

  user_command user;
  auto* user_cmd = app.add_subcommand("user", "Manage users (works while the server runs)");
  user_cmd->require_subcommand(1);
  user_cmd->add_option("--data", user.data_dir, "Data folder (default: $SYNC_BASE or ./data)");
  // `ankisync user add --data DIR NAME` as well as `user --data DIR add NAME`:
  // the subcommands below inherit this and hand --data up.
  user_cmd->fallthrough();
  auto* add = user_cmd->add_subcommand("add", "Add a user (password from --password or stdin)");
  add->add_option("name", user.name)->required();
  add->add_option("--password", user.password, "Password (else read from stdin)");
  auto* passwd = user_cmd->add_subcommand("passwd", "Change a user's password; logs out all devices");
  passwd->add_option("name", user.name)->required();
  passwd->add_option("--password", user.password, "Password (else read from stdin)");
  auto* remove = user_cmd->add_subcommand("remove", "Remove a user (the data folder is kept)");
  remove->add_option("name", user.name)->required();
  user_cmd->add_subcommand("list", "List users");
  auto* set = user_cmd->add_subcommand("set", "Set a user's quotas (works while the server runs)");
  set->add_option("name", user.name)->required();
  set->add_option("--max-collection-mb", user.quota.collection_mb,
                  "Largest collection accepted, in MB (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  set->add_option("--max-media-mb", user.quota.media_mb,
                  "Most media bytes kept, in MB (0: no limit)")
      ->check(CLI::NonNegativeNumber);

  migrate_command migrate;
  auto* migrate_cmd = app.add_subcommand(
      "migrate", "Move media between the official server's layout and ankisync's (server stopped)");
  migrate_cmd->add_option("--data", migrate.data_dir, "Data folder (default: $SYNC_BASE or ./data)");
  migrate_cmd->add_option("--user", migrate.user, "Only this user's folder");
  migrate_cmd->add_flag("--to-official", migrate.to_official,
                        "Write the official server's layout back (files by name in <user>/media/)");
  migrate_cmd->add_flag("--dry-run", migrate.dry_run, "Print what would move; change nothing");

  import_command import;
  auto* import_cmd = app.add_subcommand(
      "import", "Import users, collections and media from another sync server's data folder");
  import_cmd->add_option("--from", import.from, "The other server: ankicommunity")
      ->required()
      ->check(CLI::IsMember({"ankicommunity"}));
  import_cmd->add_option("dir", import.source_dir, "Its data folder (ankisyncd's data_root)")
      ->required();
  import_cmd->add_option("--data", import.data_dir, "Data folder (default: $SYNC_BASE or ./data)");
  import_cmd->add_option("--auth-db", import.auth_db, "Its auth.db (default: DIR/auth.db)");
  import_cmd->add_option("--session-db", import.session_db,
                         "Its session.db (default: DIR/session.db)");
  import_cmd->add_option("--user", import.only_user, "Import only this user");
  import_cmd->add_flag("--dry-run", import.dry_run, "Check and report; write nothing");

  // backup, restore, check: the same flags to find the data folder and,
  // while it runs, the server.
  data_safety_command backup, restore, check;
  auto data_safety = [&](const char* name, const char* what, data_safety_command& cmd,
                         net::admin_task_kind kind) {
    cmd.task.kind = kind;
    auto* sub = app.add_subcommand(name, what);
    sub->add_option("--data", cmd.data_dir, "Data folder (default: $SYNC_BASE or ./data)");
    sub->add_option("--user", cmd.task.user, "Only this user");
    sub->add_option("--admin-host", cmd.admin_host,
                    "The running server's admin address (default: $ANKISYNC_ADMIN_HOST or 127.0.0.1)");
    sub->add_option("--admin-port", cmd.admin_port,
                    "The running server's admin port (default: $ANKISYNC_ADMIN_PORT or 8081)");
    sub->add_option("--admin-token", cmd.admin_token,
                    "Its admin token (default: $ANKISYNC_ADMIN_TOKEN)");
    return sub;
  };
  auto* backup_cmd = data_safety("backup", "Back up every user (works while the server runs)",
                                 backup, net::admin_task_kind::backup);
  backup_cmd->add_option("dir", backup.task.path, "Folder for backups; each gets a new folder in it")
      ->required();
  auto* restore_cmd = data_safety("restore", "Put users' collections and media back from a backup",
                                  restore, net::admin_task_kind::restore);
  restore_cmd->add_option("backup", restore.task.path, "One backup folder (with its manifest.json)")
      ->required();
  auto* check_cmd = data_safety("check", "Check every collection, media database and media file",
                                check, net::admin_task_kind::check);
  check_cmd->add_flag("--repair-media", check.task.repair_media,
                      "Forget media rows whose file is missing or damaged; remove stray temp files");

  CLI11_PARSE(app, argc, argv);

  if (backup_cmd->parsed())
    return run_data_safety_command(backup);
  if (restore_cmd->parsed())
    return run_data_safety_command(restore);
  if (check_cmd->parsed())
    return run_data_safety_command(check);

  if (migrate_cmd->parsed())
    return run_migrate_command(migrate);

  if (serve_cmd->parsed())
    return run_serve(serve, argv);
  if (import_cmd->parsed())
    return run_import_command(import);
  if (add->parsed())
    user.what = user_command::action::add;
  else if (passwd->parsed())
    user.what = user_command::action::passwd;
  else if (remove->parsed())
    user.what = user_command::action::remove;
  else if (set->parsed())
    user.what = user_command::action::set;
  else
    user.what = user_command::action::list;
  return run_user_command(user);
}
