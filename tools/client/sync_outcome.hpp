#pragma once

// What a client-side sync reports: how it ended, or why it failed. Shaped
// after upstream's SyncActionRequired / SyncErrorKind so that tests read
// like the official client's behaviour.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "protocol/methods.hpp"
#include "protocol/sanity.hpp"

namespace ankisync::client {

// Which one-way syncs the user may choose (upstream FullSyncRequired).
struct full_sync_choice {
  bool upload_ok = false;
  bool download_ok = false;
  friend bool operator==(const full_sync_choice&, const full_sync_choice&) = default;
};

enum class sync_outcome_kind {
  no_changes,         // meta said both sides are equal: nothing was called after it
  normal_sync_done,   // start ... finish ran and both sides committed
  full_sync_required, // schemas differ: the user must choose upload or download
};

struct sync_outcome {
  sync_outcome_kind kind = sync_outcome_kind::no_changes;
  full_sync_choice full;          // set when kind is full_sync_required
  std::string server_message;     // meta "msg"
  std::int32_t server_media_usn = 0; // meta "media_usn", for a media sync to follow
};

enum class sync_failure_kind {
  http_status,  // the server answered a status other than 200 (`status`)
  transport,    // no HTTP answer (refused, reset, timed out)
  bad_reply,    // a 200 whose body does not decode
  server_stop,  // meta "cont" was false; `message` is the server's
  clock_off,    // the server's clock differs from ours by more than 300 s
  // The server's sanity check said "bad". Both sides rolled back and the
  // client marked its schema modified, so its next sync is a full one.
  sanity_check,
  local,        // this device's file failed, or a row was still pending at the check
  dropped,      // a sync_hooks::drop cut the sync short (a vanished connection)
};

struct sync_failure {
  sync_failure_kind kind = sync_failure_kind::local;
  std::optional<protocol::sync_method> method; // the call that failed, if any
  int status = 0;                              // for http_status
  std::string message;
  // For sanity_check: the counts the server echoed ("c") and its own ("s").
  std::optional<protocol::sanity_counts_entry> client_counts;
  std::optional<protocol::sanity_counts_entry> server_counts;
};

using sync_result = std::expected<sync_outcome, sync_failure>;

// "no changes", "http 409 at applyGraves: ...", for test messages.
std::string describe(const sync_result& r);

} // namespace ankisync::client
