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
  // The client stamped its rows with the usn its meta saw. If another
  // device's sync committed after that meta (this start waited for it, or
  // came after it), that usn is below what the other device now asks from
  // (its minUsn), and it would never get these rows. Stamped with this
  // session's usn, as everything else the session writes, every device
  // gets them; the client gets the new stamp back at its next sync (a
  // review keeps its old usn there: nothing reads a synced review's usn).
  // A row left at -1 (a client that forgot to stamp it) stays -1, for the
  // sanity check to catch as upstream's does.
  protocol::chunk_entry chunk = req.chunk;
  auto stamp = [&](auto& rows) {
    for (auto& e : rows)
      if (e.usn != -1)
        e.usn = session.server_usn;
  };
  stamp(chunk.revlog);
  stamp(chunk.cards);
  stamp(chunk.notes);
  // Ties go to the client, so that both ends keep the same version.
  if (auto r = apply_chunk_rows(col, chunk, session.client_usn, equal_mtime::take_theirs,
                                &session.note_shapes);
      !r)
    return std::unexpected(step_failed("applying a chunk", r.error()));
  return std::string("null");
}

} // namespace ankisync::actors::sync
