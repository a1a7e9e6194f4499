#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "net/client_ip.hpp"
#include "profiles/profile.hpp"
#include "storage/users_db.hpp"

namespace ankisync::app {

// Settings from the command line, before environment and defaults.
struct serve_flags {
  std::string data_dir;
  std::string host;
  std::optional<std::uint16_t> port;
  std::string ip_header;   // empty: $SYNC_IP_HEADER or the connection
  std::string admin_host;  // empty: $ANKISYNC_ADMIN_HOST or 127.0.0.1
  std::optional<std::uint16_t> admin_port;
  std::string admin_token;
  bool no_admin = false;
  bool admin_open_loopback = false;
  std::string tls_cert; // empty: $ANKISYNC_TLS_CERT, else no TLS
  std::string tls_key;  // empty: $ANKISYNC_TLS_KEY
  std::string profile;
  std::optional<std::int64_t> idle_eviction_ms;
  std::optional<std::int64_t> session_idle_timeout_ms;
  std::optional<std::int64_t> session_stall_ms;
  std::optional<unsigned> scheduler_threads;
  std::string ready_file;
  std::string record_dir; // --record: record every user's sessions here
  std::string backup_dir;   // --backup-dir: scheduled backups go here
  std::string backup_every; // --backup-every: 24h, 30m, 90s, 7d
  std::optional<unsigned> backup_keep; // --backup-keep: complete backups kept
  std::vector<std::string> settings; // --set KEY=VALUE, over the profile
  bool dump_config = false;
  bool healthcheck = false;
};

// The effective configuration: flags over the official server's SYNC_*
// variables over our defaults, with the profile resolved.
struct server_config {
  std::filesystem::path data_dir;
  std::string host;
  std::uint16_t port = 8080;
  net::client_ip_source ip_source = net::client_ip_source::connection;
  bool admin_enabled = true;
  std::string admin_host;
  std::uint16_t admin_port = 8081;
  std::string admin_token;
  // --admin-open-loopback: without a token, loopback clients may use the
  // admin routes that change something (docs/admin.md).
  bool admin_open_loopback = false;
  // PEM certificate chain and key: both listeners speak HTTPS (docs/deploy.md).
  std::string tls_cert;
  std::string tls_key;
  bool tls() const { return !tls_cert.empty(); }
  profiles::profile profile;
  std::string profile_reason;
  bool passwords_hashed = false;
  std::vector<storage::env_user> env_users;
  std::optional<std::chrono::milliseconds> idle_eviction_override;
  std::string ready_file;
  // Where recordings go (docs/replay.md): --record DIR, which records
  // every user, or <data>/.recordings for users switched on through the
  // admin endpoint.
  std::filesystem::path record_dir;
  bool record_all = false;

  // Scheduled backups (docs/backup.md): off while backup_every is 0.
  std::filesystem::path backup_dir;
  std::chrono::seconds backup_every{0};
  unsigned backup_keep = 7;

  std::filesystem::path users_db_file() const { return data_dir / "users.db"; }
  // Request bodies spill here; the dot keeps it apart from user folders.
  std::filesystem::path spill_dir() const { return data_dir / ".tmp"; }
};

// Reads SYNC_USERn, SYNC_BASE, SYNC_HOST, SYNC_PORT, SYNC_PROFILE,
// PASSWORDS_HASHED, MAX_SYNC_PAYLOAD_MEGS, ANKISYNC_ADMIN_TOKEN,
// ANKISYNC_BACKUP_DIR, ANKISYNC_BACKUP_EVERY, ANKISYNC_BACKUP_KEEP.
// Errors are sentences for the operator.
std::expected<server_config, std::string> resolve_config(const serve_flags& flags);

// The data folder alone, for `ankisync user ...`.
std::filesystem::path resolve_data_dir(const std::string& flag);

// The admin listener's address as `serve` takes it: the flags, else
// ANKISYNC_ADMIN_HOST/ANKISYNC_ADMIN_PORT, else 127.0.0.1:8081. The
// commands that reach a running server read the same settings.
struct admin_address {
  std::string host;
  std::uint16_t port = 8081;
};
std::expected<admin_address, std::string>
resolve_admin_address(const std::string& flag_host, std::optional<std::uint16_t> flag_port);

// The official server's default data folder (~/.syncserver), when it
// exists and no data folder was chosen, so that a user switching servers
// is told which variable points ankisync at it.
std::optional<std::filesystem::path> unused_official_data_folder(const std::string& flag);

// "90s", "30m", "24h", "7d" (a whole number and a unit).
std::optional<std::chrono::seconds> parse_interval(const std::string& text);

// key = value lines, every effective setting (the admin token masked).
std::string dump_config(const server_config& config);

} // namespace ankisync::app
