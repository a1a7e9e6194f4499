#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ankisync::storage {

// The "B64" of the PHC string format: the standard base64 alphabet with the
// '=' padding left off.
std::string b64_encode(std::span<const unsigned char> bytes);

// Strict inverse of b64_encode: rejects padding, foreign characters,
// impossible lengths and non-zero leftover bits, so every byte string has
// exactly one accepted spelling (as the Rust base64ct crate does).
std::optional<std::vector<unsigned char>> b64_decode(std::string_view text);

} // namespace ankisync::storage
