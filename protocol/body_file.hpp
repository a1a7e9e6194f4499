#pragma once

// Decoding an upload body straight to disk, whatever its wire encoding:
// zstd (v11), gzip or raw (legacy multipart `data`, flag `c`).

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "protocol/body_source.hpp"
#include "protocol/sync_error.hpp"
#include "protocol/zstd_file.hpp" // decoded_file

namespace ankisync::protocol {

// Decodes `in_bytes`, or the file `in_file` when it is not empty, into
// `out_path` (created or truncated), with bounded memory. Stops at `limit`
// bytes and says so (hit_limit); raw input longer than `limit` is cut the
// same way. Errors: bad_request for a bad zstd or gzip stream,
// server_error for file I/O.
std::expected<decoded_file, sync_error> decode_body_to_file(body_encoding encoding,
                                                            std::string_view in_bytes,
                                                            const std::string& in_file,
                                                            const std::string& out_path,
                                                            std::uint64_t limit);

} // namespace ankisync::protocol
