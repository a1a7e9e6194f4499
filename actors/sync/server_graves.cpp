#include "actors/sync/graves_rows.hpp"
#include "actors/sync/phases.hpp"
#include "actors/sync/row_convert.hpp"

namespace ankisync::actors::sync {
namespace {

phase_result apply_graves(const protocol::graves_entry& g, storage::collection& col,
                          const sync_session& session) {
  if (auto r = apply_graves_rows(col, g, session.server_usn); !r)
    return std::unexpected(step_failed("applying graves", r.error()));
  return std::string("null");
}

} // namespace

phase_result server_start(const protocol::start_request& req, storage::collection& col,
                          sync_session& session) {
  auto row = col.read_col();
  if (!row)
    return std::unexpected(step_failed("start", row.error()));
  session.server_usn = row->usn;
  session.client_usn = req.min_usn;
  session.client_is_newer = req.lnewer;
  // Collected before anything of the client's is applied, so the client's
  // own deletions are not echoed back to it.
  auto graves = col.pending_graves(req.min_usn);
  if (!graves)
    return std::unexpected(step_failed("start", graves.error()));
  // Clients from before the Rust backend send their graves here instead of
  // through applyGraves.
  if (req.graves)
    if (auto applied = apply_graves(*req.graves, col, session); !applied)
      return applied;
  return protocol::encode_start_response(to_entry(*graves));
}

phase_result server_apply_graves(const protocol::apply_graves_request& req,
                                 storage::collection& col, sync_session& session) {
  return apply_graves(req.chunk, col, session);
}

} // namespace ankisync::actors::sync
