#pragma once

#include <cstdint>

// Sync protocol versions. Persisted on the wire: do not change the numbers.
namespace ankisync::protocol::version {

// v8 (2013): a session key `s` tells concurrent sync attempts apart. Oldest accepted.
inline constexpr std::uint8_t session_key = 8;
// v9 (2018): client understands the v2 scheduler. Same messages.
inline constexpr std::uint8_t v2_scheduler = 9;
// v10 (2020): client understands v2 timezone handling. Same messages. Every
// multipart (legacy) request is treated as this version, whatever it says.
inline constexpr std::uint8_t v2_timezone = 10;
// v11 (Anki 2.1.57): `anki-sync` header + zstd bodies, schema-18 full syncs.
inline constexpr std::uint8_t direct_post = 11;

inline constexpr std::uint8_t minimum = session_key;
inline constexpr std::uint8_t maximum = direct_post;

constexpr bool is_supported(int v) { return v >= minimum && v <= maximum; }
constexpr bool is_multipart(int v) { return v < direct_post; }
constexpr bool uses_zstd(int v) { return v >= direct_post; }
// Collection schema of a full upload/download for a client of version v.
constexpr int full_sync_schema(int v) { return v >= direct_post ? 18 : 11; }

} // namespace ankisync::protocol::version
