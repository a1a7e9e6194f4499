#pragma once

// The client's decision after `meta` (upstream SyncMeta::compared_to_remote
// and online_sync_status_check): no changes, a full sync, or a normal one.
// Pure, so it is testable without a server.

#include <cstdint>
#include <expected>

#include "protocol/meta.hpp"
#include "tools/client/sync_outcome.hpp"

namespace ankisync::client {

// What the device knows about itself before a sync.
struct local_meta {
  std::int64_t mod = 0;  // col.mod, ms
  std::int64_t scm = 0;  // col.scm, ms
  std::int32_t usn = 0;  // col.usn: the server's usn after the last sync
  std::int64_t ts = 0;   // the device's clock, s
  bool empty = true;     // no cards
};

// How far clocks may differ before the client refuses to sync (upstream).
inline constexpr std::int64_t max_clock_skew_secs = 300;

// What meta says must happen (upstream SyncActionRequired).
enum class sync_required { no_changes, full_sync, normal_sync };

struct sync_decision {
  sync_required required = sync_required::no_changes;
  full_sync_choice full;
  bool local_is_newer = false;        // "lnewer": our config and crt win
  std::int32_t usn_at_last_sync = 0;  // "minUsn"
  std::int32_t server_usn = 0;        // stamps what we send; +1 after finish
};

// Fails when the server says stop (cont false) or the clocks are too far
// apart; then compares mod (equal: no changes) and scm (different: full
// sync, upload allowed unless only the server has cards, download unless
// only we have them). Otherwise a normal sync is required.
std::expected<sync_decision, sync_failure> compare_meta(const local_meta& local,
                                                        const protocol::meta_response& remote);

} // namespace ankisync::client
