#pragma once

// The one log line each request gets (complete or cut), as text by
// default or as a JSON object (ANKISYNC_LOG_FORMAT=json).

#include <memory>
#include <string_view>

#include "protocol/log_json.hpp"

namespace spdlog {
class logger;
}

namespace ankisync::net {

// From now on request lines go to `logger` as JSON objects
// (protocol::encode_request_log), which its formatter completes with the
// time and level. Call before any listener runs; null goes back to text.
void log_requests_as_json(std::shared_ptr<spdlog::logger> logger);

// Logs `f`: a cut transfer as a warning, a server fault (5xx but 501, a
// client too old) as an error, everything else as info. `cut_detail` is
// the text line's account of what moved ("in=10 of 200"). Client strings
// in `f` are as they came; the text line escapes them (printable()).
void log_request(const protocol::request_log_fields& f, std::string_view cut_detail);

} // namespace ankisync::net
