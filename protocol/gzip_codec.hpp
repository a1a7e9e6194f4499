#pragma once

// gzip (RFC 1952) for the legacy envelope: clients before 2.1.57 gzip the
// multipart `data` part unless they send `c=0`. Same limit semantics as
// the zstd codecs: output stops at `limit` bytes and the rest is dropped
// (truncation, as upstream's `take()`), not an error.
//
// Like upstream's decoder, one gzip member is decoded; bytes after its end
// are ignored. Errors: bad_request "invalid gzip: ..." for anything that
// is not a complete gzip member (bad header, bad data, CRC or length
// mismatch, input cut short, empty input); server_error for our own files.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "protocol/sync_error.hpp"
#include "protocol/zstd_file.hpp" // decoded_file

namespace ankisync::protocol {

std::expected<std::string, sync_error> gzip_decompress(std::string_view in, std::uint64_t limit);
// Same, reading the compressed input from a file in pieces.
std::expected<std::string, sync_error> gzip_decompress_file(const std::string& path,
                                                            std::uint64_t limit);

// Decodes gzip from `in_bytes`, or from the file `in_file` when it is not
// empty, into `out_path` (created or truncated), with bounded memory.
// Stops at `limit` bytes and says so (hit_limit), as zstd_decompress_to_file.
std::expected<decoded_file, sync_error> gzip_decompress_to_file(std::string_view in_bytes,
                                                                const std::string& in_file,
                                                                const std::string& out_path,
                                                                std::uint64_t limit);

// One gzip member; level 6 is what legacy desktop clients used.
std::string gzip_compress(std::string_view in, int level = 6);
// Compresses the file `in_path` into `out_path`; returns the compressed size.
std::expected<std::uint64_t, sync_error> gzip_compress_file(const std::string& in_path,
                                                            const std::string& out_path,
                                                            int level = 6);

} // namespace ankisync::protocol
