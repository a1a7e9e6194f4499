#include "tools/client/meta_compare.hpp"

#include <cstdlib>

namespace ankisync::client {

std::expected<sync_decision, sync_failure> compare_meta(const local_meta& local,
                                                        const protocol::meta_response& remote) {
  if (!remote.cont)
    return std::unexpected(sync_failure{sync_failure_kind::server_stop,
                                        protocol::sync_method::meta, 0, remote.msg, {}, {}});
  if (std::llabs(remote.ts - local.ts) > max_clock_skew_secs)
    return std::unexpected(sync_failure{sync_failure_kind::clock_off, protocol::sync_method::meta,
                                        0,
                                        "server time " + std::to_string(remote.ts) +
                                            " s, ours " + std::to_string(local.ts) + " s",
                                        {},
                                        {}});
  sync_decision d;
  d.local_is_newer = local.mod > remote.mod;
  d.usn_at_last_sync = local.usn;
  d.server_usn = remote.usn;
  // usn plays no part: only mod says whether anything changed.
  if (remote.mod == local.mod) {
    d.required = sync_required::no_changes;
  } else if (remote.scm != local.scm) {
    d.required = sync_required::full_sync;
    // Never let an empty side overwrite one with cards without asking.
    d.full.upload_ok = !local.empty || remote.empty;
    d.full.download_ok = !remote.empty || local.empty;
  } else {
    d.required = sync_required::normal_sync;
  }
  return d;
}

} // namespace ankisync::client
