#pragma once

#include "net/http_message.hpp"
#include "protocol/sync_error.hpp"

namespace ankisync::net {

// The one place where a typed error becomes an HTTP status.
int http_status(protocol::error_code code);

// A complete error response: status, plain-text body, reason for the log.
http_response error_response(const protocol::sync_error& error, std::string user = {});

} // namespace ankisync::net
