#pragma once

// The blocking halves of a full sync as plain functions: what runs on the
// blocking pool while the user's actor waits. No CAF; the actor keeps
// only the steps that touch its own state (closing the collection before
// its file is replaced, bumping usn and mod before a download).

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>

#include "protocol/body_source.hpp"
#include "protocol/sync_error.hpp"

namespace ankisync::actors::sync {

struct upload_job {
  protocol::body_source body; // as it came; a copy keeps a legacy part file alive
  protocol::body_encoding encoding = protocol::body_encoding::raw;
  std::filesystem::path temp;     // where the decoded collection is written
  std::uint64_t limit = 0;        // most decoded bytes accepted
  std::uint64_t quota_bytes = 0;  // the user's collection quota; 0: none
};

// What became of an upload that was read whole. Every verdict but
// `accepted` has already removed the temp file.
enum class upload_verdict { accepted, too_large, over_quota, corrupt, disk_full };

struct checked_upload {
  upload_verdict verdict = upload_verdict::corrupt;
  std::uint64_t size = 0; // decoded bytes
};

// /sync/upload, blocking half: decodes the body (zstd, gzip or raw) into
// `job.temp` under the size limit and the quota, and validates the file as
// a collection. An error is one the client gets as an HTTP status (a body
// that does not decode); a refused upload is a verdict, answered 200 with
// a sentence the client shows (upload_answer), as upstream does.
std::expected<checked_upload, protocol::sync_error> check_upload(const upload_job& job);

// The 200 body for a verdict: "OK", or the sentence the client shows.
std::string upload_answer(upload_verdict verdict, std::uint64_t quota_bytes);

struct prepared_file {
  std::filesystem::path file;      // the reply body, encoded for the wire
  std::uint64_t original_size = 0; // its size before compression
};

// /sync/download, blocking half: a consistent copy of `source` in
// `snapshot`, zstd-compressed for v11 clients (the file is then
// `snapshot` + ".zst"), or converted to schema 11 and sent raw for legacy
// ones. Leaves no temp file on failure.
std::expected<prepared_file, protocol::sync_error>
prepare_download(const std::filesystem::path& source, const std::filesystem::path& snapshot,
                 bool legacy);

} // namespace ankisync::actors::sync
