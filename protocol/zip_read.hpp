#pragma once

// Private to protocol/*.cpp: reading zips that came over the wire (with
// minizip), in bounded pieces. Every fault of the zip itself (not a zip,
// truncated, bad CRC, unsupported method) is the sender's: bad_request.
// Only failures of our own machine (cannot open the file, out of memory)
// are server_error.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol::detail {

struct zip_reader;
struct zip_archive_closer {
  void operator()(zip_reader* z) const noexcept;
};
using zip_archive = std::unique_ptr<zip_reader, zip_archive_closer>;

// Media zips hold at most 25 files and `_meta`. A zip whose central
// directory lists more members than this is refused before they are read
// into memory: a 100 MB body of tiny directory entries would otherwise
// cost more memory than its size.
inline constexpr std::uint64_t max_zip_members = 1000;
// Likewise for each member's name (media members are "0".."24" and
// "_meta"): at most this many bytes, so the index stays small.
inline constexpr std::uint64_t max_zip_member_name = 1024;

// Opens `path` read-only. `what` starts error messages ("bad upload zip").
std::expected<zip_archive, sync_error> open_zip(const std::filesystem::path& path,
                                                std::string_view what);

// Index of the member called `name`, if there is one.
std::optional<std::uint64_t> find_member(zip_reader* z, std::string_view name);
std::uint64_t member_count(zip_reader* z);
// The member's name as stored (UTF-8 from every client that writes
// non-ASCII names); "" past the last member.
std::string member_name(zip_reader* z, std::uint64_t index);
// Uncompressed size from the central directory (not trusted for reading).
std::optional<std::uint64_t> declared_size(zip_reader* z, std::uint64_t index);

enum class over_limit { truncate, fail };

// Streams member `index` to `piece` in pieces of at most 64 KiB, at most
// `limit` bytes in all. Past `limit`: truncate stops quietly, fail returns
// bad_request "<what>: <label> larger than <limit> bytes". Returns the
// number of bytes delivered. Errors from `piece` are returned as they are.
std::expected<std::uint64_t, sync_error>
read_member(zip_reader* z, std::uint64_t index, std::uint64_t limit, over_limit mode,
            std::string_view what, std::string_view label,
            const std::function<std::expected<void, sync_error>(std::string_view)>& piece);

// Reads a whole (small) member into memory, as read_member.
std::expected<std::string, sync_error> read_member_bytes(zip_reader* z, std::uint64_t index,
                                                         std::uint64_t limit, over_limit mode,
                                                         std::string_view what,
                                                         std::string_view label);

} // namespace ankisync::protocol::detail
