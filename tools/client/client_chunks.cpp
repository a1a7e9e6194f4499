// chunk and applyChunk, client side (upstream collection/chunks.rs).

#include "protocol/chunk.hpp"
#include "protocol/empty.hpp"
#include "storage/client_objects.hpp"
#include "storage/sync_objects.hpp"
#include "tools/client/normal_sync_steps.hpp"
#include "actors/sync/chunk_rows.hpp"

namespace ankisync::client::detail {
namespace {

using protocol::sync_method;

// The next chunk of ours, chosen and loaded exactly as the server does;
// its rows are stamped with the server usn in the file and in what is sent.
storage::result<protocol::chunk_entry> next_chunk(storage::collection& col,
                                                  actors::sync::outgoing_ids& ids,
                                                  std::int32_t server_usn) {
  const auto taken = actors::sync::take_chunk_ids(ids);
  using storage::synced_table;
  if (auto r = storage::set_row_usns(col, synced_table::revlog, taken.ids.revlog, server_usn); !r)
    return std::unexpected(r.error());
  if (auto r = storage::set_row_usns(col, synced_table::cards, taken.ids.cards, server_usn); !r)
    return std::unexpected(r.error());
  if (auto r = storage::set_row_usns(col, synced_table::notes, taken.ids.notes, server_usn); !r)
    return std::unexpected(r.error());
  return actors::sync::load_chunk(col, taken);
}

} // namespace

step_result receive_chunks(storage::collection& col, sync_channel& channel) {
  actors::sync::note_shape_cache shapes;
  for (;;) {
    auto reply = channel.call(sync_method::chunk, protocol::encode_empty_request());
    if (!reply)
      return std::unexpected(reply.error());
    auto chunk = protocol::decode_chunk_entry(*reply);
    if (!chunk)
      return std::unexpected(bad_reply(sync_method::chunk, chunk.error()));
    // On a device, rows changed since the last sync are the ones at -1.
    if (auto r = actors::sync::apply_chunk_rows(col, *chunk, -1, actors::sync::equal_mtime::keep_ours,
                                                &shapes);
        !r)
      return std::unexpected(local_failure(sync_method::chunk, r.error()));
    if (chunk->done)
      return {};
  }
}

step_result send_chunks(storage::collection& col, sync_channel& channel, const sync_decision& d) {
  auto ids = actors::sync::pending_rows(col, -1);
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
