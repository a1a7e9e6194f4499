#include "profiles/settings.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <variant>

namespace ankisync::profiles {
namespace {

// A field, by the member it is, so the table below is the only list.
using field = std::variant<unsigned profile::*, std::uint64_t profile::*,
                           std::int64_t profile::*, std::chrono::milliseconds profile::*>;

struct entry {
  std::string_view key;
  field member;
};

// Keys as --dump-config prints them. Fields that are not plain numbers
// (scheduler.policy, malloc.*) are set through --profile and
// GLIBC_TUNABLES instead.
constexpr entry table[] = {
    {"scheduler.threads", &profile::scheduler_threads},
    {"scheduler.spin_polls", &profile::scheduler_spin_polls},
    {"scheduler.nap_polls", &profile::scheduler_nap_polls},
    {"scheduler.idle_wake_ms", &profile::scheduler_idle_wake},
    {"io.threads", &profile::io_threads},
    {"blocking.threads", &profile::blocking_threads},
    {"users.max_resident", &profile::max_resident_users},
    {"users.idle_eviction_ms", &profile::idle_eviction},
    {"session.idle_timeout_ms", &profile::session_idle_timeout},
    {"session.stall_ms", &profile::session_stall},
    {"sqlite.cache_kib", &profile::sqlite_cache_kib},
    {"sqlite.mmap_bytes", &profile::sqlite_mmap_bytes},
    {"payload.max_megs", &profile::max_payload_megs},
    {"payload.spill_bytes", &profile::body_spill_bytes},
    {"payload.max_json_megs", &profile::max_json_megs},
    {"quota.collection_mb", &profile::quota_collection_mb},
    {"quota.media_mb", &profile::quota_media_mb},
    {"connections.max", &profile::max_connections},
    {"connections.max_per_ip", &profile::max_connections_per_ip},
    {"http.header_timeout_ms", &profile::http_header_timeout},
    {"http.idle_timeout_ms", &profile::http_idle_timeout},
    {"http.keepalive_timeout_ms", &profile::http_keepalive_timeout},
    {"login.max_pending", &profile::login_max_pending},
    {"login.failures_per_minute", &profile::login_failures_per_minute},
    {"login.address_failures_per_minute", &profile::login_address_failures_per_minute},
    {"login.wait_ms", &profile::login_wait},
    {"shutdown.grace_ms", &profile::shutdown_grace},
};

template <class T>
std::expected<T, std::string> parse(std::string_view key, std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return std::unexpected(std::string(key) + " must be a whole number in range, not '" +
                           std::string(text) + "'");
  return value;
}

} // namespace

std::expected<void, std::string> set_value(profile& p, std::string_view key,
                                           std::string_view value) {
  for (const auto& e : table) {
    if (e.key != key)
      continue;
    return std::visit(
        [&](auto member) -> std::expected<void, std::string> {
          using T = std::remove_reference_t<decltype(p.*member)>;
          if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
            auto ms = parse<std::int64_t>(key, value);
            if (!ms)
              return std::unexpected(ms.error());
            if (*ms < 0)
              return std::unexpected(std::string(key) + " must not be negative");
            p.*member = std::chrono::milliseconds(*ms);
          } else {
            auto v = parse<T>(key, value);
            if (!v)
              return std::unexpected(v.error());
            p.*member = *v;
          }
          return {};
        },
        e.member);
  }
  return std::unexpected("no profile setting is called '" + std::string(key) +
                         "' (see --dump-config)");
}

std::expected<void, std::string> apply_setting(profile& p, std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos)
    return std::unexpected("--set takes KEY=VALUE, not '" + std::string(assignment) + "'");
  return set_value(p, assignment.substr(0, eq), assignment.substr(eq + 1));
}

} // namespace ankisync::profiles
