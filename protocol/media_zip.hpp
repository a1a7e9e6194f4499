#pragma once

// The zip bodies of uploadChanges and downloadFiles (protocol-media.md §5).

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/sync_error.hpp"
#include "protocol/unique_fd.hpp"

namespace ankisync::protocol {

// One entry of an upload zip, validated, in `_meta` order.
struct upload_zip_entry {
  std::string fname;      // checked with check_media_name
  bool deletion = false;  // member name null or ""
  // Addition: the member's bytes, written (not synced: the caller syncs
  // the batch) to this file, still open in `file`; their sha1 (raw 20
  // bytes) and size (> 0).
  std::filesystem::path staged;
  unique_fd file;
  std::string sha1_raw;
  std::uint64_t size = 0;
};

// Where added members are written: new files in `folder` named
// `temp_prefix` + 16 random lowercase hex digits.
struct staging_place {
  std::filesystem::path folder;
  std::string_view temp_prefix;
};

// Reads the upload zip in `zip_path` (decoded already, on disk) with
// bounded memory: `_meta` (at most 50 KiB read), at most 25 entries, every
// name valid, every added member present, 1..100 MiB. Each added member
// is streamed once into a new file at `place` while its sha1 is computed
// (the zip's own CRC is checked as it is read), and its writeback started.
// All or nothing: on any error every file written so far is removed.
// Errors: bad_request naming the problem (a client fault, also for a
// truncated or corrupt zip), server_error for local I/O.
std::expected<std::vector<upload_zip_entry>, sync_error>
extract_upload_zip(const std::filesystem::path& zip_path, const staging_place& place);

// Where a download zip's bytes go, in order.
using byte_sink = std::function<std::expected<void, sync_error>(std::string_view)>;

// A file for the download zip: sent as member "0", "1", ... in order.
struct download_zip_file {
  std::string fname;            // real name, for `_meta`
  std::filesystem::path source; // content on disk
};

// Writes a STORED zip with the files in order and `_meta` last (a JSON
// object member -> real name) to `sink`, a piece at a time: memory stays
// at one buffer whatever the sizes. Errors: server_error when a source
// cannot be read; conflict when a source no longer exists (its name is in
// the message).
std::expected<std::uint64_t, sync_error> write_download_zip(const std::vector<download_zip_file>& files,
                                                            const byte_sink& sink);

// Client side: writes an upload zip (members named by index, `_meta` as
// an array of [name, member or null]) to `out_path`.
struct upload_zip_input {
  std::string fname;
  bool deletion = false;
  std::string bytes; // addition only
};
std::expected<void, sync_error> write_upload_zip(const std::vector<upload_zip_input>& entries,
                                                 const std::filesystem::path& out_path);
// Client side: the files of a download zip, in member order.
struct downloaded_file {
  std::string fname;
  std::string bytes;
};
std::expected<std::vector<downloaded_file>, sync_error>
read_download_zip(const std::filesystem::path& zip_path);

} // namespace ankisync::protocol
