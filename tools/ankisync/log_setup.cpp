#include "tools/ankisync/log_setup.hpp"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include "net/request_log.hpp"
#include "protocol/log_json.hpp"

namespace ankisync::app {
namespace {

// Request lines arrive on this logger as JSON objects already.
constexpr const char* request_logger_name = "request";

// UTC, millisecond precision: 2025-01-31T12:00:00.123Z.
std::string utc_timestamp(spdlog::log_clock::time_point t) {
  const auto since = t.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count();
  const std::time_t whole = secs.count();
  std::tm tm{};
  ::gmtime_r(&whole, &tm);
  char buf[64]; // room for any int the format could print
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms));
  return buf;
}

// {"ts","level","msg"} per line; a request line's own fields follow ts and
// level instead of a msg string.
class json_formatter final : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto ts = utc_timestamp(msg.time);
    const auto level = spdlog::level::to_string_view(msg.level);
    const std::string_view level_sv(level.data(), level.size());
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    const auto line = logger == request_logger_name
                          ? protocol::encode_log_line_with(ts, level_sv, payload)
                          : protocol::encode_log_line(ts, level_sv, payload);
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

bool json_wanted() {
  const char* format = std::getenv("ANKISYNC_LOG_FORMAT");
  return format && std::string_view(format) == "json";
}

} // namespace

void setup_logging() {
  if (json_wanted()) {
    // No colours: a shipper reads these lines, not a terminal.
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_formatter(std::make_unique<json_formatter>());
    auto logger = std::make_shared<spdlog::logger>("ankisync", sink);
    auto requests = std::make_shared<spdlog::logger>(request_logger_name, sink);
    spdlog::register_logger(requests);
    spdlog::set_default_logger(logger);
    net::log_requests_as_json(requests);
  } else {
    auto logger = spdlog::stderr_color_mt("ankisync");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  // Applies to every registered logger, the request logger included.
  spdlog::set_level(spdlog::level::info);
  if (const char* level = std::getenv("ANKISYNC_LOG"))
    spdlog::set_level(spdlog::level::from_str(level));
}

} // namespace ankisync::app
