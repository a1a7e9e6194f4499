#pragma once

#include <string>

namespace ankisync::protocol {

// The error vocabulary of the sync protocol. Each value says when it
// happens; net/ turns it into an HTTP status in exactly one place.
enum class error_code {
  // Malformed envelope, JSON, version, or any failure inside a sync step
  // (the client then offers "Check Database").
  bad_request,
  // Unknown host key, or wrong username/password at login.
  auth_failed,
  // Path that is neither /sync/*, /msync/*, /health nor an admin route.
  not_found,
  // Known path, wrong HTTP verb.
  method_not_allowed,
  // Stateful method without a session, or with another session's key.
  conflict,
  // Body larger than the configured payload limit.
  payload_too_large,
  // Too many logins in flight or failed recently from one address.
  too_many_requests,
  // Server-side failure: I/O, SQLite, an actor that died.
  server_error,
  // `meta` from a client whose protocol version is outside 8..11.
  client_too_old,
  // The server is shutting down or overloaded.
  unavailable,
  // A write found the server's disk (or its account's disk quota) full,
  // or a file past the process's size limit: nothing was changed.
  insufficient_storage,
};

struct sync_error {
  error_code code = error_code::server_error;
  std::string message;
  // Who made the request, once the host key named them (as
  // sync_reply::user): for the request's log line, never for the client.
  std::string user{};
};

inline sync_error make_error(error_code code, std::string message) {
  return sync_error{code, std::move(message)};
}

// What a client shows when the server's disk is full.
extern const char* const disk_full_sentence;

// insufficient_storage: the sentence a client shows when the server's
// disk is full, then `detail` (what failed) in brackets.
sync_error disk_full_error(const std::string& detail);

// The error for a failed write with errno `err`: insufficient_storage
// (the sentence, then `what`) when the disk is full, else server_error.
sync_error write_failure(std::string what, int err);

// ENOSPC, EDQUOT, or EFBIG (a file past RLIMIT_FSIZE).
bool is_disk_full(int err);

// Short stable name, for logs and the admin endpoint.
const char* to_string(error_code code);

} // namespace ankisync::protocol
