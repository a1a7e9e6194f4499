// sanityCheck2 and finish, client side (upstream collection/sanity.rs,
// finish.rs).

#include "protocol/empty.hpp"
#include "protocol/finish.hpp"
#include "protocol/sanity.hpp"
#include "tools/client/normal_sync_steps.hpp"

namespace ankisync::client::detail {
namespace {

using protocol::sync_method;

std::uint32_t count(std::int64_t n) { return static_cast<std::uint32_t>(n); }

} // namespace

step_result check_sanity(storage::collection& col, sync_channel& channel) {
  // Everything sent was stamped; a row still at -1 means our own
  // bookkeeping is wrong, and upstream refuses to go on.
  auto pending = col.table_with_pending_row();
  if (!pending)
    return std::unexpected(local_failure(sync_method::sanity_check, pending.error()));
  if (*pending)
    return std::unexpected(sync_failure{sync_failure_kind::local, sync_method::sanity_check, 0,
                                        "table had usn=-1: " + **pending, {}, {}});
  auto counts = col.counts();
  if (!counts)
    return std::unexpected(local_failure(sync_method::sanity_check, counts.error()));
  protocol::sanity_request req;
  // Modern clients send zero due counts.
  req.client.cards = count(counts->cards);
  req.client.notes = count(counts->notes);
  req.client.revlog = count(counts->revlog);
  req.client.graves = count(counts->graves);
  req.client.models = count(counts->notetypes);
  req.client.decks = count(counts->decks);
  req.client.deck_config = count(counts->deck_config);

  auto reply = channel.call(sync_method::sanity_check, protocol::encode_sanity_request(req));
  if (!reply)
    return std::unexpected(reply.error());
  auto answer = protocol::decode_sanity_response(*reply);
  if (!answer)
    return std::unexpected(bad_reply(sync_method::sanity_check, answer.error()));
  if (answer->status != protocol::sanity_status::ok)
    return std::unexpected(sync_failure{sync_failure_kind::sanity_check,
                                        sync_method::sanity_check, 0,
                                        "the server's sanity check failed", answer->client,
                                        answer->server});
  return {};
}

step_result finish(storage::collection& col, sync_channel& channel, const sync_decision& d) {
  auto reply = channel.call(sync_method::finish, protocol::encode_empty_request());
  if (!reply)
    return std::unexpected(reply.error());
  auto mod = protocol::decode_finish_response(*reply);
  if (!mod)
    return std::unexpected(bad_reply(sync_method::finish, mod.error()));
  // Both sides now hold the same mod and usn: the next meta says "no changes".
  if (auto r = col.set_ls(*mod); !r)
    return std::unexpected(local_failure(sync_method::finish, r.error()));
  if (auto r = col.set_usn(d.server_usn + 1); !r)
    return std::unexpected(local_failure(sync_method::finish, r.error()));
  if (auto r = col.set_mod(*mod); !r)
    return std::unexpected(local_failure(sync_method::finish, r.error()));
  return {};
}

} // namespace ankisync::client::detail
