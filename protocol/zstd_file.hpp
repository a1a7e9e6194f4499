#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
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

// Compresses bytes given a piece at a time into a file, as one zstd frame:
// how a reply too large for memory (a media download zip) reaches its
// body file. Memory stays at the zstd buffers whatever the total size.
class zstd_file_writer {
public:
  // Creates or truncates `path`. Error: server_error.
  static std::expected<zstd_file_writer, sync_error> create(const std::string& path,
                                                            int level = 3);

  zstd_file_writer(zstd_file_writer&&) noexcept;
  zstd_file_writer& operator=(zstd_file_writer&&) noexcept;
  // Closes the file; a writer not finished leaves an incomplete frame.
  ~zstd_file_writer();

  std::expected<void, sync_error> write(std::string_view bytes);
  // Ends the frame and flushes the file; returns the compressed size.
  // Nothing may be written after it.
  std::expected<std::uint64_t, sync_error> finish();
  // Uncompressed bytes written so far (anki-original-size of the reply).
  std::uint64_t bytes_in() const;

private:
  struct impl;
  explicit zstd_file_writer(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace ankisync::protocol
