#pragma once

// /sync/finish: commits the session; the reply is the new collection mod.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// The request is `{}` (see empty.hpp). The reply is a bare JSON integer:
// the server's new `mod` in ms, which the client also stores as its own.
std::string encode_finish_response(std::int64_t mod_ms);
std::expected<std::int64_t, sync_error> decode_finish_response(std::string_view json);

} // namespace ankisync::protocol
