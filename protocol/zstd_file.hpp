#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// Streaming file codecs for full syncs: memory stays at a few zstd buffers
// whatever the size of the collection.

struct decoded_file {
  std::uint64_t size = 0;  // bytes written to the output file
  bool hit_limit = false;  // the input would have produced more than `limit`
};

// Decodes zstd from `in_bytes`, or from the file `in_file` when it is not
// empty, into `out_path` (created or truncated). Stops at `limit` bytes
// and says so. Errors: bad_request for bad or truncated zstd, server_error
// for file I/O.
std::expected<decoded_file, sync_error> zstd_decompress_to_file(std::string_view in_bytes,
                                                                const std::string& in_file,
                                                                const std::string& out_path,
                                                                std::uint64_t limit);

// Compresses the file `in_path` into `out_path`; returns the compressed size.
std::expected<std::uint64_t, sync_error> zstd_compress_file(const std::string& in_path,
                                                            const std::string& out_path,
                                                            int level = 3);

} // namespace ankisync::protocol
