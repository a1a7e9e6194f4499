#pragma once

// Private to protocol/*.cpp: a minimal zip writer for the media zips.
// Members are STORED (media is already compressed; upstream stores too),
// names carry the UTF-8 flag, and there is no zip64: a zip that would need
// it fails with server_error. Bytes leave through a sink in pieces of at
// most 64 KiB, so memory stays at one buffer whatever the member sizes.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol::detail {

inline constexpr std::size_t zip_piece_bytes = 64 * 1024;

class stored_zip_writer {
public:
  using sink_fn = std::function<std::expected<void, sync_error>(std::string_view)>;

  // `sink` must outlive the writer.
  explicit stored_zip_writer(const sink_fn& sink) : sink_(sink) {}

  std::expected<void, sync_error> add_bytes(std::string_view name, std::string_view bytes);
  // Reads `source` twice: once for its CRC and size (which the local header
  // needs before the bytes), once to send it. A source that does not exist
  // is a conflict naming `display_name`; a source that changes between the
  // two passes is a server_error.
  std::expected<void, sync_error> add_file(std::string_view name,
                                           const std::filesystem::path& source,
                                           std::string_view display_name);
  // Writes the central directory and end record; returns the zip's size.
  std::expected<std::uint64_t, sync_error> finish();

private:
  struct central_entry {
    std::string name;
    std::uint32_t crc = 0;
    std::uint32_t size = 0;
    std::uint32_t offset = 0;
  };

  std::expected<void, sync_error> put(std::string_view bytes);
  std::expected<void, sync_error> begin_member(std::string_view name, std::uint32_t crc,
                                               std::uint64_t size);

  const sink_fn& sink_;
  std::vector<central_entry> entries_;
  std::uint64_t offset_ = 0;
};

} // namespace ankisync::protocol::detail
