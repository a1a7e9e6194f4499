#pragma once

// The five /msync methods as plain functions over one user's media
// database and content store. No CAF: the collection actor calls the
// cheap ones itself and runs upload and download on the blocking pool,
// taking no other message of that user meanwhile.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "protocol/body_source.hpp"
#include "protocol/sync_error.hpp"
#include "storage/media_db.hpp"
#include "storage/media_store.hpp"

namespace ankisync::actors::media {

using reply = std::expected<std::string, protocol::sync_error>;

// begin: the media usn and the host key echoed as `sk`, which legacy
// clients send back on every later call.
reply begin(std::string_view payload, std::string_view host_key, storage::media_db& db);
// mediaChanges: one page of rows after the client's usn.
reply changes(std::string_view payload, storage::media_db& db);
// mediaSanity: "OK" when the client's file count is the server's.
reply sanity(std::string_view payload, storage::media_db& db);

struct upload_request {
  protocol::body_source body;      // the zip as it came: zstd, gzip or raw
  protocol::body_encoding encoding = protocol::body_encoding::raw;
  std::filesystem::path temp_zip;  // where the decoded zip is written
  std::uint64_t limit = 0;         // most decoded bytes accepted
  std::uint64_t quota_bytes = 0;   // the user's media quota; 0: none
};

struct upload_reply {
  std::string body;               // the uploadChanges answer
  std::uint64_t files_stored = 0; // entries that added or replaced a file
};

// uploadChanges: decode, validate and stage every entry first (a bad zip
// changes nothing), then apply them in one transaction.
std::expected<upload_reply, protocol::sync_error> upload(const upload_request& req, storage::media_db& db, const storage::media_store& store,
             std::int64_t now_s);

struct download_reply {
  std::filesystem::path file;      // the reply body, encoded for the wire
  std::uint64_t original_size = 0; // the zip's size before zstd
  std::uint64_t files = 0;         // files in the zip
};

// downloadFiles: the requested files, in order, up to the per-zip target,
// written as a zip into `out` (zstd-compressed when `zstd`). A name that is
// not live is a conflict; so is a live row whose content is gone, which
// is then forgotten, as upstream does.
std::expected<download_reply, protocol::sync_error>
download(std::string_view payload, storage::media_db& db, const storage::media_store& store,
         const std::filesystem::path& out, bool zstd);

} // namespace ankisync::actors::media
