#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// Decodes one or more zstd frames (frames may lack the content size, as
// clients write them with a streaming encoder). Output stops at `limit`
// bytes: the rest is dropped, as upstream does. Error: bad_request.
std::expected<std::string, sync_error> zstd_decompress(std::string_view in, std::uint64_t limit);
// Same, reading the compressed input from a file in pieces. A file that
// cannot be opened or read is server_error: net/ wrote it, not the client.
std::expected<std::string, sync_error> zstd_decompress_file(const std::string& path,
                                                            std::uint64_t limit);

std::string zstd_compress(std::string_view in, int level = 3);

} // namespace ankisync::protocol
