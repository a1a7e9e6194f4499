#include "net/http_status.hpp"

#include "protocol/envelope.hpp"
#include "protocol/printable.hpp"

namespace ankisync::net {

int http_status(protocol::error_code code) {
  using protocol::error_code;
  switch (code) {
  case error_code::bad_request:
    return 400;
  case error_code::auth_failed:
    return 403;
  case error_code::not_found:
    return 404;
  case error_code::method_not_allowed:
    return 405;
  case error_code::conflict:
    return 409;
  case error_code::payload_too_large:
    return 413;
  case error_code::too_many_requests:
    return 429;
  case error_code::server_error:
    return 500;
  case error_code::client_too_old:
    return 501;
  case error_code::unavailable:
    return 503;
  case error_code::insufficient_storage:
    return 507;
  }
  return 500;
}

http_response error_response(const protocol::sync_error& error, std::string user) {
  // Reasons quote what clients sent (a media name, a client version):
  // escaped here, where every error becomes HTTP, for the body and the
  // log line alike.
  const protocol::sync_error reason{error.code, protocol::printable(error.message)};
  http_response r;
  r.status = http_status(error.code);
  r.headers.emplace_back("content-type", "text/plain; charset=utf-8");
  r.body = protocol::error_body(r.status, reason);
  r.user = std::move(user); // raw: the request log escapes it
  r.note = error.message;
  return r;
}

} // namespace ankisync::net
