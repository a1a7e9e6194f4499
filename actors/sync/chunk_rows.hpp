#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "protocol/chunk.hpp"
#include "storage/collection.hpp"

namespace ankisync::actors::sync {

// The rows half of chunk/applyChunk, the same on both ends of a sync: the
// server sends its rows with `chunk` and takes the client's with
// `applyChunk`, the reference client does the reverse with these very
// functions.

// Chunks hold at most this many rows (plus up to two of a last round).
inline constexpr int chunk_budget = 250;

// Ids of rows still to send.
struct outgoing_ids {
  std::vector<std::int64_t> revlog;
  std::vector<std::int64_t> cards;
  std::vector<std::int64_t> notes;
};

// Ids of rows with usn >= min_usn (exactly -1 when min_usn is -1).
storage::result<outgoing_ids> pending_rows(storage::collection& col, std::int32_t min_usn);

// The ids of the next chunk, removed from `from`: rounds take one revlog
// entry, one note and one card (each from the end), so tables interleave
// and a chunk holds up to chunk_budget + 2 rows. `done` when fewer than the
// budget were taken (upstream: exactly 250 means another, empty, chunk).
struct chunk_ids {
  outgoing_ids ids;
  bool done = false;
};
chunk_ids take_chunk_ids(outgoing_ids& from);

// The rows behind `taken`, as they are stored now; rows gone since are
// skipped.
storage::result<protocol::chunk_entry> load_chunk(storage::collection& col,
                                                  const chunk_ids& taken);

// Who keeps a card or note that both sides changed with the same mtime
// (seconds, so two devices easily tie).
enum class equal_mtime {
  // Upstream's rule, which every official client applies: each side keeps
  // its own, so the two never converge.
  keep_ours,
  // The server's rule: the client only sends a row it kept against the
  // server's (its own is at least as new), so taking it on a tie leaves
  // client and server with one version, which then reaches every other
  // device with this sync's usn (docs/sync.md).
  take_theirs,
};

// Notetype shapes looked up while applying one sync's chunks. Notetypes
// change only in applyChanges, before the first chunk, so one cache serves
// every chunk of a sync.
using note_shape_cache = std::unordered_map<std::int64_t, storage::note_shape>;

// Applies the other side's rows: revlog insert-or-ignore; a card or note
// replaces ours unless ours is pending for this sync (usn >= min_usn, or
// exactly -1 when min_usn is -1) and newer, or as new under keep_ours. A
// note needs its notetype (else invalid) and the notetype's field count.
storage::result<void> apply_chunk_rows(storage::collection& col,
                                       const protocol::chunk_entry& chunk, std::int32_t min_usn,
                                       equal_mtime tie = equal_mtime::keep_ours,
                                       note_shape_cache* shapes = nullptr);

} // namespace ankisync::actors::sync
