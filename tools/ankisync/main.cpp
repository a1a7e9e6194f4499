// ankisync: a self-hosted Anki sync server. CLI11 is included here only
// (it is slow to compile).
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include "tools/ankisync/commands.hpp"
#include "tools/ankisync/log_setup.hpp"

int main(int argc, char** argv) {
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

  CLI11_PARSE(app, argc, argv);

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
  else
    user.what = user_command::action::list;
  return run_user_command(user);
}
