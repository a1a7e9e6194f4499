#include "tools/ankisync/server_config.hpp"

#include <charconv>
#include <cstdlib>
#include <sstream>

#include "profiles/settings.hpp"
#include "protocol/printable.hpp"
#include "storage/username.hpp"

namespace ankisync::app {
namespace {

std::optional<std::string> env(const char* name) {
  if (const char* v = std::getenv(name))
    return std::string(v);
  return std::nullopt;
}

template <class T>
std::optional<T> parse_number(const std::string& text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::expected<std::vector<storage::env_user>, std::string> read_env_users(bool hashed) {
  std::vector<storage::env_user> users;
  // As upstream: SYNC_USER1, SYNC_USER2, ... up to the first gap.
  for (int i = 1;; ++i) {
    const std::string var = "SYNC_USER" + std::to_string(i);
    auto value = env(var.c_str());
    if (!value)
      break;
    auto colon = value->find(':');
    if (colon == std::string::npos)
      return std::unexpected(var + " must be username:password");
    storage::env_user u;
    u.name = value->substr(0, colon);
    u.secret = value->substr(colon + 1);
    u.hashed = hashed;
    u.env_value = *value;
    auto canonical = storage::canonical_username(u.name);
    if (!canonical)
      return std::unexpected(var + ": username '" + protocol::printable(u.name) + "' " +
                             canonical.error());
    u.name = std::move(*canonical);
    users.push_back(std::move(u));
  }
  return users;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// A port from its flag, else its environment variable, else the default.
std::expected<std::uint16_t, std::string> port_setting(std::optional<std::uint16_t> flag,
                                                       const char* variable,
                                                       std::uint16_t fallback) {
  if (flag)
    return *flag;
  auto text = env(variable);
  if (!text)
    return fallback;
  if (auto port = parse_number<std::uint16_t>(*text))
    return *port;
  return std::unexpected(std::string(variable) + " must be a port number, not '" + *text + "'");
}

} // namespace

std::filesystem::path resolve_data_dir(const std::string& flag) {
  if (!flag.empty())
    return flag;
  if (auto base = env("SYNC_BASE"); base && !base->empty())
    return *base;
  return "data";
}

std::optional<std::filesystem::path> unused_official_data_folder(const std::string& flag) {
  if (!flag.empty() || env("SYNC_BASE"))
    return std::nullopt;
  auto home = env("HOME");
  if (!home || home->empty())
    return std::nullopt;
  std::filesystem::path official = std::filesystem::path(*home) / ".syncserver";
  std::error_code ec;
  if (!std::filesystem::is_directory(official, ec))
    return std::nullopt;
  return official;
}

std::optional<std::chrono::seconds> parse_interval(const std::string& text) {
  if (text.size() < 2)
    return std::nullopt;
  auto n = parse_number<std::uint32_t>(text.substr(0, text.size() - 1));
  if (!n || *n == 0)
    return std::nullopt;
  switch (text.back()) {
  case 's':
    return std::chrono::seconds(*n);
  case 'm':
    return std::chrono::minutes(*n);
  case 'h':
    return std::chrono::hours(*n);
  case 'd':
    return std::chrono::hours(24) * *n;
  }
  return std::nullopt;
}

namespace {

std::optional<std::string> backup_setting(const std::string& flag, const char* variable) {
  if (!flag.empty())
    return flag;
  return env(variable);
}

// Scheduled backups: all three settings or none of the first two.
std::expected<void, std::string> resolve_backups(const serve_flags& flags, server_config& c) {
  const auto dir = backup_setting(flags.backup_dir, "ANKISYNC_BACKUP_DIR");
  const auto every = backup_setting(flags.backup_every, "ANKISYNC_BACKUP_EVERY");
  if (flags.backup_keep) {
    c.backup_keep = *flags.backup_keep;
  } else if (auto keep = env("ANKISYNC_BACKUP_KEEP")) {
    auto n = parse_number<unsigned>(*keep);
    if (!n)
      return std::unexpected("ANKISYNC_BACKUP_KEEP must be a whole number, not '" + *keep + "'");
    c.backup_keep = *n;
  }
  if (c.backup_keep == 0)
    return std::unexpected("--backup-keep must be at least 1: the newest backup is always kept");
  if (!dir && !every)
    return {};
  if (!dir || dir->empty() || !every)
    return std::unexpected("scheduled backups need both --backup-dir and --backup-every "
                           "(or ANKISYNC_BACKUP_DIR and ANKISYNC_BACKUP_EVERY)");
  auto interval = parse_interval(*every);
  if (!interval)
    return std::unexpected("--backup-every takes a whole number and a unit (s, m, h, d), such "
                           "as 24h, not '" + *every + "'");
  c.backup_dir = std::filesystem::absolute(*dir);
  c.backup_every = *interval;
  return {};
}

} // namespace

std::expected<admin_address, std::string>
resolve_admin_address(const std::string& flag_host, std::optional<std::uint16_t> flag_port) {
  admin_address a;
  a.host = !flag_host.empty() ? flag_host : env("ANKISYNC_ADMIN_HOST").value_or("127.0.0.1");
  auto port = port_setting(flag_port, "ANKISYNC_ADMIN_PORT", 8081);
  if (!port)
    return std::unexpected(port.error());
  a.port = *port;
  return a;
}

std::expected<server_config, std::string> resolve_config(const serve_flags& flags) {
  server_config c;
  c.data_dir = resolve_data_dir(flags.data_dir);

  c.host = !flags.host.empty() ? flags.host : env("SYNC_HOST").value_or("127.0.0.1");
  auto port = port_setting(flags.port, "SYNC_PORT", 8080);
  if (!port)
    return std::unexpected(port.error());
  c.port = *port;

  // As the official server: which header names the client behind a proxy.
  if (auto name = !flags.ip_header.empty() ? std::optional(flags.ip_header) : env("SYNC_IP_HEADER");
      name && !name->empty()) {
    auto source = net::parse_client_ip_source(*name);
    if (!source)
      return std::unexpected(source.error());
    c.ip_source = *source;
  }

  c.admin_enabled = !flags.no_admin;
  auto admin = resolve_admin_address(flags.admin_host, flags.admin_port);
  if (!admin)
    return std::unexpected(admin.error());
  c.admin_host = std::move(admin->host);
  c.admin_port = admin->port;
  c.admin_token =
      !flags.admin_token.empty() ? flags.admin_token : env("ANKISYNC_ADMIN_TOKEN").value_or("");
  c.admin_open_loopback = flags.admin_open_loopback;
  if (c.admin_enabled && c.admin_token.empty() && !is_loopback(c.admin_host))
    return std::unexpected("the admin endpoint may listen on " + c.admin_host +
                           " only with a token (--admin-token or ANKISYNC_ADMIN_TOKEN)");

  c.tls_cert = !flags.tls_cert.empty() ? flags.tls_cert : env("ANKISYNC_TLS_CERT").value_or("");
  c.tls_key = !flags.tls_key.empty() ? flags.tls_key : env("ANKISYNC_TLS_KEY").value_or("");
  if (c.tls_cert.empty() != c.tls_key.empty())
    return std::unexpected("TLS needs both a certificate and a key (--tls-cert and --tls-key, or "
                           "ANKISYNC_TLS_CERT and ANKISYNC_TLS_KEY)");

  auto requested = !flags.profile.empty() ? flags.profile : env("SYNC_PROFILE").value_or("");
  auto detected = profiles::detect_profile(profiles::read_machine_facts(), requested);
  if (!detected)
    return std::unexpected("unknown profile '" + requested + "' (use pi or server)");
  c.profile = std::move(detected->chosen);
  c.profile_reason = std::move(detected->reason);

  if (auto megs = env("MAX_SYNC_PAYLOAD_MEGS")) {
    auto value = parse_number<std::uint64_t>(*megs);
    if (!value || *value == 0)
      return std::unexpected("MAX_SYNC_PAYLOAD_MEGS must be a positive whole number, not '" +
                             *megs + "'");
    c.profile.max_payload_megs = *value;
  }

  c.passwords_hashed = env("PASSWORDS_HASHED").has_value();
  auto users = read_env_users(c.passwords_hashed);
  if (!users)
    return std::unexpected(users.error());
  c.env_users = std::move(*users);

  if (flags.idle_eviction_ms)
    c.idle_eviction_override = std::chrono::milliseconds(*flags.idle_eviction_ms);
  if (flags.scheduler_threads)
    c.profile.scheduler_threads = *flags.scheduler_threads;
  if (flags.session_idle_timeout_ms)
    c.profile.session_idle_timeout = std::chrono::milliseconds(*flags.session_idle_timeout_ms);
  if (flags.session_stall_ms)
    c.profile.session_stall = std::chrono::milliseconds(*flags.session_stall_ms);
  for (const auto& setting : flags.settings)
    if (auto set = profiles::apply_setting(c.profile, setting); !set)
      return std::unexpected(set.error());
  if (auto backups = resolve_backups(flags, c); !backups)
    return std::unexpected(backups.error());
  c.ready_file = flags.ready_file;
  c.record_all = !flags.record_dir.empty();
  c.record_dir = c.record_all ? std::filesystem::path(flags.record_dir) : c.data_dir / ".recordings";
  return c;
}

std::string dump_config(const server_config& c) {
  const auto& p = c.profile;
  std::ostringstream o;
  o << "data_dir = " << c.data_dir.string() << "\n"
    << "listen = " << c.host << ":" << c.port << "\n"
    << "ip_header = " << net::client_ip_source_name(c.ip_source) << "\n"
    << "admin.listen = "
    << (c.admin_enabled ? c.admin_host + ":" + std::to_string(c.admin_port) : "off") << "\n"
    << "admin.token = " << (c.admin_token.empty() ? "(none)" : "(set)") << "\n"
    << "admin.open_loopback = " << (c.admin_open_loopback ? "yes" : "no") << "\n"
    << "tls = " << (c.tls() ? "cert " + c.tls_cert + ", key " + c.tls_key : "off") << "\n"
    << "profile = " << p.name << " (" << c.profile_reason << ")\n"
    << "scheduler.policy = " << p.scheduler_policy << "\n"
    << "scheduler.threads = " << p.scheduler_threads << "\n"
    << "scheduler.spin_polls = " << p.scheduler_spin_polls << "\n"
    << "scheduler.nap_polls = " << p.scheduler_nap_polls << "\n"
    << "scheduler.idle_wake_ms = " << p.scheduler_idle_wake.count() << "\n"
    << "io.threads = " << p.io_threads << "\n"
    << "blocking.threads = " << p.blocking_threads << "\n"
    << "users.max_resident = " << p.max_resident_users << "\n"
    << "users.idle_eviction_ms = "
    << c.idle_eviction_override.value_or(p.idle_eviction).count() << "\n"
    << "session.idle_timeout_ms = " << p.session_idle_timeout.count() << "\n"
    << "session.stall_ms = " << p.session_stall.count() << "\n"
    << "malloc.arenas = " << p.malloc_arenas << "\n"
    << "malloc.thread_cache = "
    << (p.malloc_thread_cache < 0 ? std::string("glibc default")
                                  : std::to_string(p.malloc_thread_cache))
    << "\n"
    << "sqlite.cache_kib = " << p.sqlite_cache_kib << "\n"
    << "sqlite.mmap_bytes = " << p.sqlite_mmap_bytes << "\n"
    << "payload.max_megs = " << p.max_payload_megs << "\n"
    << "payload.max_uncompressed_bytes = " << p.max_uncompressed_bytes() << "\n"
    << "payload.spill_bytes = " << p.body_spill_bytes << "\n"
    << "payload.max_json_megs = " << p.max_json_megs << "\n"
    << "quota.collection_mb = " << p.quota_collection_mb << "\n"
    << "quota.media_mb = " << p.quota_media_mb << "\n"
    << "connections.max = " << p.max_connections << "\n"
    << "connections.max_per_ip = " << p.max_connections_per_ip << "\n"
    << "http.header_timeout_ms = " << p.http_header_timeout.count() << "\n"
    << "http.idle_timeout_ms = " << p.http_idle_timeout.count() << "\n"
    << "http.keepalive_timeout_ms = " << p.http_keepalive_timeout.count() << "\n"
    << "login.max_pending = " << p.login_max_pending << "\n"
    << "login.failures_per_minute = " << p.login_failures_per_minute << "\n"
    << "login.address_failures_per_minute = " << p.login_address_failures_per_minute << "\n"
    << "login.wait_ms = " << p.login_wait.count() << "\n"
    << "shutdown.grace_ms = " << p.shutdown_grace.count() << "\n"
    << "passwords_hashed = " << (c.passwords_hashed ? "yes" : "no") << "\n"
    << "env_users = " << c.env_users.size() << "\n"
    << "backup.dir = " << (c.backup_dir.empty() ? "(none)" : c.backup_dir.string()) << "\n"
    << "backup.every = "
    << (c.backup_every.count() == 0 ? std::string("off") : std::to_string(c.backup_every.count()) + " s")
    << "\n"
    << "backup.keep = " << c.backup_keep << "\n"
    << "record = " << (c.record_all ? "every user" : "chosen users") << " -> "
    << c.record_dir.string() << "\n";
  return o.str();
}

} // namespace ankisync::app
