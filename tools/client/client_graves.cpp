// start and applyGraves, client side (upstream collection/start.rs,
// graves.rs).

#include "protocol/empty.hpp"
#include "protocol/graves.hpp"
#include "storage/client_objects.hpp"
#include "tools/client/normal_sync_steps.hpp"
#include "actors/sync/graves_rows.hpp"
#include "actors/sync/row_convert.hpp"

namespace ankisync::client::detail {
namespace {

using protocol::sync_method;
// The same seam the server uses between wire and stored rows.
using actors::sync::to_entry;

// Upstream's CHUNK_SIZE for graves: at most this many ids per applyGraves.
constexpr std::size_t graves_per_call = 250;

// Takes up to 250 ids, filling from cards, then notes, then decks, each
// popped from the end of its list (upstream Graves::take_chunk).
std::optional<protocol::graves_entry> take_chunk(protocol::graves_entry& all) {
  protocol::graves_entry out;
  std::size_t left = graves_per_call;
  auto move = [&](std::vector<std::int64_t>& from, std::vector<std::int64_t>& to) {
    while (left > 0 && !from.empty()) {
      to.push_back(from.back());
      from.pop_back();
      --left;
    }
  };
  move(all.cards, out.cards);
  move(all.notes, out.notes);
  move(all.decks, out.decks);
  if (left == graves_per_call)
    return std::nullopt;
  return out;
}

} // namespace

sync_failure local_failure(protocol::sync_method method, const storage::storage_error& e) {
  return sync_failure{sync_failure_kind::local, method, 0, e.message, {}, {}};
}

sync_failure bad_reply(protocol::sync_method method, const protocol::sync_error& e) {
  return sync_failure{sync_failure_kind::bad_reply, method, 0, e.message, {}, {}};
}

step_result exchange_graves(storage::collection& col, sync_channel& channel,
                            const sync_decision& d) {
  protocol::start_request start;
  start.min_usn = d.usn_at_last_sync;
  start.lnewer = d.local_is_newer;
  // Rust clients send their graves through applyGraves: "graves": null.
  auto reply = channel.call(sync_method::start, protocol::encode_start_request(start));
  if (!reply)
    return std::unexpected(reply.error());
  auto remote = protocol::decode_start_response(*reply);
  if (!remote)
    return std::unexpected(bad_reply(sync_method::start, remote.error()));

  // Ours are read before the server's are applied, so what we apply below
  // (stamped with the server usn) is not sent back.
  auto local = col.pending_graves(-1);
  if (!local)
    return std::unexpected(local_failure(sync_method::apply_graves, local.error()));
  if (auto r = storage::stamp_pending_graves(col, d.server_usn); !r)
    return std::unexpected(local_failure(sync_method::apply_graves, r.error()));
  auto ours = to_entry(*local);
  while (auto chunk = take_chunk(ours)) {
    auto sent = channel.call(sync_method::apply_graves,
                             protocol::encode_apply_graves_request({std::move(*chunk)}));
    if (!sent)
      return std::unexpected(sent.error());
    if (auto ok = protocol::decode_null_response(sync_method::apply_graves, *sent); !ok)
      return std::unexpected(bad_reply(sync_method::apply_graves, ok.error()));
  }

  if (auto r = actors::sync::apply_graves_rows(col, *remote, d.server_usn); !r)
    return std::unexpected(local_failure(sync_method::start, r.error()));
  return {};
}

} // namespace ankisync::client::detail
