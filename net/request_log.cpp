#include "net/request_log.hpp"

#include <spdlog/spdlog.h>

#include "protocol/printable.hpp"

namespace ankisync::net {
namespace {

// Set once before the I/O threads start, read by them afterwards.
std::shared_ptr<spdlog::logger> json_logger;

spdlog::level::level_enum level_of(const protocol::request_log_fields& f) {
  if (f.cut)
    return spdlog::level::warn;
  if (f.status >= 500 && f.status != 501)
    return spdlog::level::err;
  // Watchdogs, container health checks and load balancers ask every few
  // seconds; a healthy answer is not news (ANKISYNC_LOG=debug shows them).
  if (f.status == 200 && f.uri == "/health")
    return spdlog::level::debug;
  return spdlog::level::info;
}

} // namespace

void log_requests_as_json(std::shared_ptr<spdlog::logger> logger) {
  json_logger = std::move(logger);
}

void log_request(const protocol::request_log_fields& f, std::string_view cut_detail) {
  const auto level = level_of(f);
  if (json_logger) {
    if (json_logger->should_log(level))
      json_logger->log(level, "{}", protocol::encode_request_log(f));
    return;
  }
  if (!spdlog::should_log(level))
    return;
  using protocol::printable;
  const std::string status = f.status == 0 ? "-" : std::to_string(f.status);
  const std::string user = f.user.empty() ? "-" : printable(f.user);
  if (f.cut) {
    spdlog::log(level, "[{}] {} {} {} user={} status={} cut after {:.1f}ms {}: {}", f.listener,
                f.client_ip, f.method, printable(f.uri), user, status, f.elapsed_ms, cut_detail,
                printable(f.reason));
    return;
  }
  spdlog::log(level, "[{}] {} {} {} user={} status={} {:.1f}ms in={} out={}{}{}", f.listener,
              f.client_ip, f.method, printable(f.uri), user, status, f.elapsed_ms, f.bytes_in,
              f.bytes_out, f.reason.empty() ? "" : ": ", printable(f.reason));
}

} // namespace ankisync::net
