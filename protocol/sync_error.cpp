#include "protocol/sync_error.hpp"

#include <cerrno>
#include <cstring>

namespace ankisync::protocol {

// These names go into logs and the admin endpoint, where people grep for
// them: keep them stable even if the enumerators are renamed.
const char* to_string(error_code code) {
  switch (code) {
    case error_code::bad_request: return "bad_request";
    case error_code::auth_failed: return "auth_failed";
    case error_code::not_found: return "not_found";
    case error_code::method_not_allowed: return "method_not_allowed";
    case error_code::conflict: return "conflict";
    case error_code::payload_too_large: return "payload_too_large";
    case error_code::too_many_requests: return "too_many_requests";
    case error_code::server_error: return "server_error";
    case error_code::client_too_old: return "client_too_old";
    case error_code::unavailable: return "unavailable";
    case error_code::insufficient_storage: return "insufficient_storage";
  }
  // Only reachable through a cast of an out-of-range integer.
  return "unknown";
}

const char* const disk_full_sentence =
    "The sync server has run out of disk space; nothing was changed on the server. Try again "
    "later, or tell the server's operator.";

sync_error disk_full_error(const std::string& detail) {
  return make_error(error_code::insufficient_storage,
                    std::string(disk_full_sentence) + " (" + detail + ")");
}

bool is_disk_full(int err) { return err == ENOSPC || err == EDQUOT || err == EFBIG; }

sync_error write_failure(std::string what, int err) {
  what += ": ";
  what += std::strerror(err);
  if (!is_disk_full(err))
    return make_error(error_code::server_error, std::move(what));
  return disk_full_error(what);
}

} // namespace ankisync::protocol
