#include "actors/sync/phases.hpp"
#include "actors/sync/row_convert.hpp"
#include "storage/sync_objects.hpp"

namespace ankisync::actors::sync {
namespace {

std::expected<outgoing_ids, storage::storage_error> snapshot(storage::collection& col,
                                                              std::int32_t min_usn) {
  outgoing_ids ids;
  auto revlog = col.pending_ids(storage::synced_table::revlog, min_usn);
  if (!revlog)
    return std::unexpected(revlog.error());
  auto cards = col.pending_ids(storage::synced_table::cards, min_usn);
  if (!cards)
    return std::unexpected(cards.error());
  auto notes = col.pending_ids(storage::synced_table::notes, min_usn);
  if (!notes)
    return std::unexpected(notes.error());
  ids.revlog = std::move(*revlog);
  ids.cards = std::move(*cards);
  ids.notes = std::move(*notes);
  return ids;
}

// Upstream's rule: a server row the client has not seen yet (pending) and
// that is at least as new as the incoming one is kept; anything else is
// replaced. Pending is upstream's is_pending_sync: usn >= minUsn, except
// that minUsn -1 means exactly -1 (as pending_ids selects rows).
template <class Row>
bool incoming_wins(const std::optional<Row>& existing, std::int64_t incoming_mod,
                   std::int32_t client_usn) {
  if (!existing)
    return true;
  const bool pending = client_usn == -1 ? existing->usn == -1 : existing->usn >= client_usn;
  return !pending || existing->mod < incoming_mod;
}

} // namespace

phase_result server_chunk(storage::collection& col, sync_session& session) {
  auto failed = [](const storage::storage_error& e) {
    return std::unexpected(step_failed("sending a chunk", e));
  };
  if (!session.outgoing) {
    auto ids = snapshot(col, session.client_usn);
    if (!ids)
      return failed(ids.error());
    session.outgoing = std::move(*ids);
  }
  auto& ids = *session.outgoing;
  protocol::chunk_entry chunk;
  // Rounds take one row of each kind, so a chunk mixes all three and
  // holds up to chunk_budget + 2 rows.
  int budget = chunk_budget;
  while (budget > 0) {
    bool took = false;
    if (!ids.revlog.empty()) {
      auto row = col.get_revlog(ids.revlog.back());
      if (!row)
        return failed(row.error());
      ids.revlog.pop_back();
      if (*row)
        chunk.revlog.push_back(to_entry(**row));
      --budget;
      took = true;
    }
    if (!ids.notes.empty()) {
      auto row = col.get_note(ids.notes.back());
      if (!row)
        return failed(row.error());
      ids.notes.pop_back();
      if (*row)
        chunk.notes.push_back(to_entry(**row));
      --budget;
      took = true;
    }
    if (!ids.cards.empty()) {
      auto row = col.get_card(ids.cards.back());
      if (!row)
        return failed(row.error());
      ids.cards.pop_back();
      if (*row)
        chunk.cards.push_back(to_entry(**row));
      --budget;
      took = true;
    }
    if (!took)
      break;
  }
  chunk.done = budget > 0;
  return protocol::encode_chunk_entry(chunk);
}

phase_result server_apply_chunk(const protocol::apply_chunk_request& req, storage::collection& col,
                                sync_session& session) {
  auto failed = [](const storage::storage_error& e) {
    return std::unexpected(step_failed("applying a chunk", e));
  };
  const auto& chunk = req.chunk;
  // Reviews are history: never changed once stored.
  for (auto& entry : chunk.revlog)
    if (auto r = col.add_revlog(to_row(entry)); !r)
      return failed(r.error());
  for (auto& entry : chunk.cards) {
    auto existing = col.get_card(entry.id);
    if (!existing)
      return failed(existing.error());
    if (!incoming_wins(*existing, entry.mod, session.client_usn))
      continue;
    if (auto r = col.put_card(to_row(entry)); !r)
      return failed(r.error());
  }
  for (auto& entry : chunk.notes) {
    auto existing = col.get_note(entry.id);
    if (!existing)
      return failed(existing.error());
    if (!incoming_wins(*existing, entry.mod, session.client_usn))
      continue;
    auto shape = storage::note_shape_of(col, entry.mid);
    if (!shape)
      return failed(shape.error());
    if (!*shape)
      return std::unexpected(protocol::make_error(
          protocol::error_code::bad_request,
          "note " + std::to_string(entry.id) + " uses notetype " + std::to_string(entry.mid) +
              ", which does not exist"));
    if (auto r = col.put_note(to_row(entry), **shape); !r)
      return failed(r.error());
  }
  return std::string("null");
}

} // namespace ankisync::actors::sync
