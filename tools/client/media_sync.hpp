#pragma once

// The client half of a media sync, in the official client's order
// (rslib/src/sync/media/syncer.rs, protocol-media.md §8):
//
//   rescan -> server usn (given from /sync/meta, else begin) -> if it
//   differs from ours: mediaChanges until empty, each batch applied
//   (deletions, downloadFiles in batches of <= 25 names) and committed ->
//   while rows are dirty: uploadChanges of <= 25 entries / 2.5 MiB ->
//   mediaSanity when anything happened.
//
// Each pulled batch and each upload is committed to the client DB on its
// own, as upstream does, so an interrupted sync resumes where it stopped.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/methods.hpp"
#include "tools/client/media_folder.hpp"
#include "tools/client/sync_client.hpp"

namespace ankisync::client {

// Where a device stands with one name the server reports
// (upstream LocalState).
enum class media_local_state { not_in_db, clean, dirty };

// What to do about it (upstream RequiredChange).
enum class media_required_change {
  none,           // nothing now (a local addition will be uploaded later)
  download,       // fetch the server's content
  remove,         // delete the local file and drop its row
  remove_pending, // same content on both sides: the row is clean
};

// The §8 decision table. Checksums are hex; "" means deleted (server) or
// no live content (client).
media_required_change required_media_change(std::string_view local_sha1,
                                            std::string_view server_sha1,
                                            media_local_state state);

struct media_sync_counts {
  std::size_t uploaded = 0;           // files sent in uploadChanges (processed additions)
  std::size_t uploaded_deletions = 0; // deletions sent in uploadChanges
  std::size_t downloaded = 0;         // files received by downloadFiles
  std::size_t removed = 0;            // local files deleted because the server deleted them
  bool sanity_checked = false;        // mediaSanity was called
  // mediaSanity said "OK" (or was not needed). False: the client DB was
  // reset (lastUsn 0) and the next sync starts over, as upstream's
  // "resync required".
  bool sanity_ok = true;
  std::int64_t server_usn = 0;        // the usn the sync started from
  std::int64_t last_usn = 0;          // the client's lastUsn at the end
};

enum class media_failure_kind {
  http_status, // a status other than 200 (`status`)
  transport,   // no HTTP answer
  bad_reply,   // a 200 whose body does not decode
  local,       // this device's folder or DB failed
};

struct media_sync_failure {
  media_failure_kind kind = media_failure_kind::local;
  std::optional<protocol::media_method> method;
  int status = 0;
  std::string message;
};

using media_sync_result = std::expected<media_sync_counts, media_sync_failure>;

struct media_sync_options {
  // The server's media usn from /sync/meta ("media_usn"); none: ask begin.
  std::optional<std::int64_t> server_usn;
};

media_sync_result run_media_sync(media_folder& media, sync_client& client,
                                 std::string_view host_key, const media_sync_options& options = {});

// "http 409 at downloadFiles: ...", for test messages.
std::string describe(const media_sync_failure& f);

} // namespace ankisync::client
