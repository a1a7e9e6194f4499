#include "actors/sync/phases.hpp"
#include "actors/sync/row_convert.hpp"
#include "protocol/finish.hpp"

namespace ankisync::actors::sync {

phase_result server_sanity_check(const protocol::sanity_request& req, storage::collection& col,
                                 sync_session& session) {
  auto failed = [](const storage::storage_error& e) {
    return std::unexpected(step_failed("sanity check", e));
  };
  protocol::sanity_response r;
  r.client = req.client;
  auto pending = col.table_with_pending_row();
  if (!pending)
    return failed(pending.error());
  if (*pending) {
    // A row still marked -1 on the server means a client sent something
    // without stamping it: the sync cannot be trusted.
    r.status = protocol::sanity_status::bad;
    session.failed = true;
    return protocol::encode_sanity_response(r);
  }
  auto counts = col.counts();
  if (!counts)
    return failed(counts.error());
  protocol::sanity_counts_entry server;
  server.cards = static_cast<std::uint32_t>(counts->cards);
  server.notes = static_cast<std::uint32_t>(counts->notes);
  server.revlog = static_cast<std::uint32_t>(counts->revlog);
  server.models = static_cast<std::uint32_t>(counts->notetypes);
  server.decks = static_cast<std::uint32_t>(counts->decks);
  server.deck_config = static_cast<std::uint32_t>(counts->deck_config);
  // Due counts are not compared, and neither are graves (old clients may
  // hold duplicates), so both are zeroed on both sides.
  auto client = req.client;
  client.due_new = client.due_learn = client.due_review = 0;
  client.graves = 0;
  r.client = client;
  r.server = server;
  r.status = client == server ? protocol::sanity_status::ok : protocol::sanity_status::bad;
  if (r.status == protocol::sanity_status::bad)
    session.failed = true;
  return protocol::encode_sanity_response(r);
}

phase_result server_finish(storage::collection& col, sync_session& session, std::int64_t now_ms) {
  auto failed = [](const storage::storage_error& e) {
    return std::unexpected(step_failed("finishing", e));
  };
  // Upstream commits first and sets mod afterwards, so a crash in between
  // keeps the data with the old mod and clients see "no changes". Here all
  // three land in the one commit.
  if (auto r = col.set_ls(now_ms); !r)
    return failed(r.error());
  if (auto r = col.set_usn(session.server_usn + 1); !r)
    return failed(r.error());
  if (auto r = col.set_mod(now_ms); !r)
    return failed(r.error());
  if (auto r = col.commit(); !r)
    return failed(r.error());
  return protocol::encode_finish_response(now_ms);
}

} // namespace ankisync::actors::sync
