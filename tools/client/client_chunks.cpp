// chunk and applyChunk, client side (upstream collection/chunks.rs).

#include "protocol/chunk.hpp"
#include "protocol/empty.hpp"
#include "storage/client_objects.hpp"
#include "storage/sync_objects.hpp"
#include "tools/client/normal_sync_steps.hpp"
#include "actors/sync/row_convert.hpp"

namespace ankisync::client::detail {
namespace {

using protocol::sync_method;
// The same seam the server uses between wire and stored rows.
using actors::sync::to_entry;
using actors::sync::to_row;

// Rows per chunk before the last round (upstream CHUNK_SIZE).
constexpr int chunk_budget = 250;

// A row changed here since the last sync (usn -1) that is at least as new
// as the incoming one is kept; anything else is replaced (upstream
// add_or_update_*_if_newer with pending_usn -1).
template <class Row>
bool incoming_wins(const std::optional<Row>& existing, std::int64_t incoming_mod) {
  if (!existing)
    return true;
  return existing->usn != -1 || existing->mod < incoming_mod;
}

storage::result<void> apply_chunk(storage::collection& col, const protocol::chunk_entry& chunk) {
  // Reviews are history: never changed once stored.
  for (auto& entry : chunk.revlog)
    if (auto r = col.add_revlog(to_row(entry)); !r)
      return std::unexpected(r.error());
  for (auto& entry : chunk.cards) {
    auto existing = col.get_card(entry.id);
    if (!existing)
      return std::unexpected(existing.error());
    if (!incoming_wins(*existing, entry.mod))
      continue;
    if (auto r = col.put_card(to_row(entry)); !r)
      return r;
  }
  for (auto& entry : chunk.notes) {
    auto existing = col.get_note(entry.id);
    if (!existing)
      return std::unexpected(existing.error());
    if (!incoming_wins(*existing, entry.mod))
      continue;
    auto shape = storage::note_shape_of(col, entry.mid);
    if (!shape)
      return std::unexpected(shape.error());
    if (!*shape)
      return storage::fail(storage::storage_errc::invalid,
                           "note " + std::to_string(entry.id) + " uses notetype " +
                               std::to_string(entry.mid) + ", which does not exist here");
    if (auto r = col.put_note(to_row(entry), **shape); !r)
      return std::unexpected(r.error());
  }
  return {};
}

struct outgoing_ids {
  std::vector<std::int64_t> revlog, cards, notes;
};

// The next chunk of ours: rounds take one revlog entry, one note and one
// card (each popped from the end), so tables interleave and a chunk holds
// up to 252 rows. Rows are stamped with the server usn in the file and in
// what is sent.
storage::result<protocol::chunk_entry> next_chunk(storage::collection& col, outgoing_ids& ids,
                                                  std::int32_t server_usn) {
  outgoing_ids taken;
  int budget = chunk_budget;
  while (budget > 0) {
    const int before = budget;
    auto take = [&](std::vector<std::int64_t>& from, std::vector<std::int64_t>& to) {
      if (from.empty())
        return;
      to.push_back(from.back());
      from.pop_back();
      --budget;
    };
    take(ids.revlog, taken.revlog);
    take(ids.notes, taken.notes);
    take(ids.cards, taken.cards);
    if (budget == before)
      break;
  }
  protocol::chunk_entry chunk;
  chunk.done = budget > 0;

  using storage::synced_table;
  if (auto r = storage::set_row_usns(col, synced_table::revlog, taken.revlog, server_usn); !r)
    return std::unexpected(r.error());
  if (auto r = storage::set_row_usns(col, synced_table::cards, taken.cards, server_usn); !r)
    return std::unexpected(r.error());
  if (auto r = storage::set_row_usns(col, synced_table::notes, taken.notes, server_usn); !r)
    return std::unexpected(r.error());
  for (auto id : taken.revlog) {
    auto row = col.get_revlog(id);
    if (!row)
      return std::unexpected(row.error());
    if (*row)
      chunk.revlog.push_back(to_entry(**row));
  }
  for (auto id : taken.cards) {
    auto row = col.get_card(id);
    if (!row)
      return std::unexpected(row.error());
    if (*row)
      chunk.cards.push_back(to_entry(**row));
  }
  for (auto id : taken.notes) {
    auto row = col.get_note(id);
    if (!row)
      return std::unexpected(row.error());
    if (*row)
      chunk.notes.push_back(to_entry(**row));
  }
  return chunk;
}

storage::result<outgoing_ids> pending(storage::collection& col) {
  outgoing_ids ids;
  using storage::synced_table;
  auto revlog = col.pending_ids(synced_table::revlog, -1);
  if (!revlog)
    return std::unexpected(revlog.error());
  auto cards = col.pending_ids(synced_table::cards, -1);
  if (!cards)
    return std::unexpected(cards.error());
  auto notes = col.pending_ids(synced_table::notes, -1);
  if (!notes)
    return std::unexpected(notes.error());
  ids.revlog = std::move(*revlog);
  ids.cards = std::move(*cards);
  ids.notes = std::move(*notes);
  return ids;
}

} // namespace

step_result receive_chunks(storage::collection& col, sync_channel& channel) {
  for (;;) {
    auto reply = channel.call(sync_method::chunk, protocol::encode_empty_request());
    if (!reply)
      return std::unexpected(reply.error());
    auto chunk = protocol::decode_chunk_entry(*reply);
    if (!chunk)
      return std::unexpected(bad_reply(sync_method::chunk, chunk.error()));
    if (auto r = apply_chunk(col, *chunk); !r)
      return std::unexpected(local_failure(sync_method::chunk, r.error()));
    if (chunk->done)
      return {};
  }
}

step_result send_chunks(storage::collection& col, sync_channel& channel, const sync_decision& d) {
  auto ids = pending(col);
  if (!ids)
    return std::unexpected(local_failure(sync_method::apply_chunk, ids.error()));
  // At least one call, even with nothing to send: its "done" ends the stream.
  for (;;) {
    auto chunk = next_chunk(col, *ids, d.server_usn);
    if (!chunk)
      return std::unexpected(local_failure(sync_method::apply_chunk, chunk.error()));
    const bool done = chunk->done;
    auto reply = channel.call(sync_method::apply_chunk,
                              protocol::encode_apply_chunk_request({std::move(*chunk)}));
    if (!reply)
      return std::unexpected(reply.error());
    if (auto ok = protocol::decode_null_response(sync_method::apply_chunk, *reply); !ok)
      return std::unexpected(bad_reply(sync_method::apply_chunk, ok.error()));
    if (done)
      return {};
  }
}

} // namespace ankisync::client::detail
