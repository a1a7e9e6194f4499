#pragma once

// What a recording keeps of a secret (docs/replay.md): passwords and host
// keys are written as "<redacted>". A host key is a login: for a
// SYNC_USERn user it never changes, so a key kept in a recording would
// let whoever reads the file sync as that user for good. The replay tool
// logs in with a password of its own and maps keys by position, so it
// needs none of them.

#include <string>
#include <string_view>

#include "protocol/envelope.hpp"

namespace ankisync::actors::recording {

// Persisted in recordings: do not change.
inline constexpr std::string_view redacted = "<redacted>";

// The body to keep of a request (not an upload): a hostKey body without
// its password, any other body as it came.
std::string redacted_request_body(const protocol::sync_request& request);

// The session key to keep: the one given, unless it is the host key (a
// client may send media begin's "sk", which is the host key, as its
// session key).
std::string redacted_session_key(const protocol::sync_request& request);

// The secret a successful reply to `request` carries: hostKey's "key" and
// media begin's "sk" are both the host key.
enum class reply_secret { none, host_key, media_begin };
reply_secret secret_in_reply(const protocol::sync_request& request);

// The body to keep of a successful JSON reply: its secret redacted, a
// reply without one as it is.
std::string redacted_reply_body(reply_secret secret, std::string_view body);

} // namespace ankisync::actors::recording
