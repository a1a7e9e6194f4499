#pragma once

// JSON bodies of the /msync methods (protocol-media.md §3-4). Replies but
// downloadFiles are wrapped as {"data": ..., "err": ""}.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// Most names in one downloadFiles request and most entries in one upload.
inline constexpr std::size_t max_media_files_in_zip = 25;
// Soft cap on payload bytes per zip, checked after adding a file.
inline constexpr std::uint64_t media_zip_target_bytes = 2'621'440;
// Largest single media file.
inline constexpr std::uint64_t max_media_file_bytes = 104'857'600;
// Rows per mediaChanges reply.
inline constexpr std::size_t media_changes_page = 1000;

// begin: {"v": "<client version>"}. Errors: bad_request for bad JSON or an
// empty/missing version ("missing client version").
std::expected<std::string, sync_error> decode_media_begin(std::string_view json);
// mediaChanges: {"lastUsn": N}.
std::expected<std::int64_t, sync_error> decode_media_changes(std::string_view json);
// downloadFiles: {"files": [..]}; more than 25 names is bad_request.
std::expected<std::vector<std::string>, sync_error> decode_download_files(std::string_view json);
// mediaSanity: {"local": N}.
std::expected<std::uint32_t, sync_error> decode_media_sanity(std::string_view json);

struct media_change_entry {
  std::string fname;
  std::int64_t usn = 0;
  std::string sha1_hex; // "" for a deletion
};

std::string encode_media_begin_reply(std::int64_t usn, std::string_view host_key);
std::string encode_media_changes_reply(const std::vector<media_change_entry>& rows);
std::string encode_upload_changes_reply(std::uint32_t processed, std::int64_t usn);
std::string encode_media_sanity_reply(bool ok);

// Client side: request bodies and reply decoding (data or err).
std::string encode_media_begin(std::string_view client_version);
std::string encode_media_changes(std::int64_t last_usn);
std::string encode_download_files(const std::vector<std::string>& names);
std::string encode_media_sanity(std::uint32_t local);
struct media_begin_reply {
  std::int64_t usn = 0;
  std::string sk;
};
std::expected<media_begin_reply, sync_error> decode_media_begin_reply(std::string_view json);
std::expected<std::vector<media_change_entry>, sync_error>
decode_media_changes_reply(std::string_view json);
struct upload_changes_reply {
  std::uint32_t processed = 0;
  std::int64_t usn = 0;
};
std::expected<upload_changes_reply, sync_error> decode_upload_changes_reply(std::string_view json);
// true for "OK", false for "mediaSanity".
std::expected<bool, sync_error> decode_media_sanity_reply(std::string_view json);

} // namespace ankisync::protocol
