#include "actors/sync/chunk_rows.hpp"
#include "actors/sync/phases.hpp"
#include "actors/sync/row_convert.hpp"

namespace ankisync::actors::sync {

phase_result server_chunk(storage::collection& col, sync_session& session) {
  auto failed = [](const storage::storage_error& e) {
    return std::unexpected(step_failed("sending a chunk", e));
  };
  // The ids are fixed at the first chunk: after graves and applyChanges,
  // before any of the client's rows arrive.
  if (!session.outgoing) {
    auto ids = pending_rows(col, session.client_usn);
    if (!ids)
      return failed(ids.error());
    session.outgoing = std::move(*ids);
  }
  auto chunk = load_chunk(col, take_chunk_ids(*session.outgoing));
  if (!chunk)
    return failed(chunk.error());
  return protocol::encode_chunk_entry(*chunk);
}

phase_result server_apply_chunk(const protocol::apply_chunk_request& req, storage::collection& col,
                                sync_session& session) {
  // Ties go to the client, so that both ends keep the same version.
  if (auto r = apply_chunk_rows(col, req.chunk, session.client_usn, equal_mtime::take_theirs,
                                &session.note_shapes);
      !r)
    return std::unexpected(step_failed("applying a chunk", r.error()));
  return std::string("null");
}

} // namespace ankisync::actors::sync
