#pragma once

// The client half of a normal sync, in the official client's order
// (rslib/src/sync/collection/normal.rs):
//
//   meta -> compare -> start -> applyGraves (<= 250 ids a call) -> apply
//   the server's graves -> applyChanges -> chunk until done -> applyChunk
//   until done (at least once) -> sanityCheck2 -> finish
//
// Everything after meta runs in one transaction on the device's file,
// committed after finish. On any failure the file is rolled back and,
// unless the connection was dropped on purpose, `abort` is sent (best
// effort). A failed sanity check also marks the schema modified, so the
// next sync is a full one, as upstream does.

#include <cstdint>
#include <functional>
#include <string>

#include "storage/collection.hpp"
#include "tools/client/sync_channel.hpp"
#include "tools/client/sync_outcome.hpp"

namespace ankisync::client {

// Unix time in ms; a device may run on a fake clock.
using clock_ms_fn = std::function<std::int64_t()>;
std::int64_t system_clock_ms();

struct normal_sync_options {
  // meta "cv": the long client version.
  std::string client_version = "ankisync-client,0.1.0,linux";
  clock_ms_fn clock = system_clock_ms;
};

sync_result run_normal_sync(storage::collection& col, sync_channel& channel,
                            const normal_sync_options& options = {});

} // namespace ankisync::client
