#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/sync/chunk_rows.hpp"

namespace ankisync::actors::sync {

// One normal sync in progress. Lives in the user's collection actor; only
// that actor touches it. Its writes are one SQLite transaction on the
// user's collection, begun at `start` and committed at `finish`.
struct sync_session {
  std::string key;             // the client's session key ("s")
  std::int32_t server_usn = 0; // col.usn at start: stamps what this sync writes
  std::int32_t client_usn = 0; // minUsn: rows at or above it are news for the client
  bool client_is_newer = false; // lnewer: the client's config and crt win
  std::optional<outgoing_ids> outgoing;
  note_shape_cache note_shapes; // filled by applyChunk
  // Set when the sanity check failed: the transaction is rolled back and
  // only abort/start may follow (the client does that).
  bool failed = false;
  std::chrono::steady_clock::time_point last_used = std::chrono::steady_clock::now();
};

} // namespace ankisync::actors::sync
