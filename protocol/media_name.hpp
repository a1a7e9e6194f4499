#pragma once

#include <expected>
#include <string_view>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// Longest media filename the server accepts, in UTF-8 bytes.
inline constexpr std::size_t max_media_name_bytes = 255;

// Checks a filename from an upload's `_meta`, as upstream does (at most
// 255 bytes, already NFC, no '/') and more: valid UTF-8, not empty, not
// "." or "..", no '\\' and no NUL. Error: bad_request naming the rule.
std::expected<void, sync_error> check_media_name(std::string_view name);

// The NFC form of a UTF-8 string ("" when it is not valid UTF-8). Clients
// send NFC; the reference client normalises with this.
std::string to_nfc(std::string_view utf8);

} // namespace ankisync::protocol
