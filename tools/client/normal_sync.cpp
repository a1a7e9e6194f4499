#include "tools/client/normal_sync.hpp"

#include <algorithm>
#include <chrono>

#include "protocol/empty.hpp"
#include "protocol/meta.hpp"
#include "protocol/version.hpp"
#include "tools/client/meta_compare.hpp"
#include "tools/client/normal_sync_steps.hpp"

namespace ankisync::client {
namespace {

using protocol::sync_method;

std::expected<local_meta, sync_failure> read_local_meta(storage::collection& col,
                                                        std::int64_t now_ms) {
  auto row = col.read_col();
  if (!row)
    return std::unexpected(detail::local_failure(sync_method::meta, row.error()));
  auto counts = col.counts();
  if (!counts)
    return std::unexpected(detail::local_failure(sync_method::meta, counts.error()));
  return local_meta{row->mod, row->scm, row->usn, now_ms / 1000, counts->cards == 0};
}

std::expected<protocol::meta_response, sync_failure>
fetch_remote_meta(sync_channel& channel, const normal_sync_options& options) {
  protocol::meta_request req{protocol::version::maximum, options.client_version};
  auto reply = channel.call(sync_method::meta, protocol::encode_meta_request(req));
  if (!reply)
    return std::unexpected(reply.error());
  auto remote = protocol::decode_meta_response(*reply);
  if (!remote)
    return std::unexpected(detail::bad_reply(sync_method::meta, remote.error()));
  return *remote;
}

detail::step_result run_steps(storage::collection& col, sync_channel& channel,
                              const sync_decision& d, const normal_sync_options& options) {
  if (auto r = detail::exchange_graves(col, channel, d); !r)
    return r;
  if (auto r = detail::exchange_changes(col, channel, d, options.clock() / 1000); !r)
    return r;
  if (auto r = detail::receive_chunks(col, channel); !r)
    return r;
  if (auto r = detail::send_chunks(col, channel, d); !r)
    return r;
  if (auto r = detail::check_sanity(col, channel); !r)
    return r;
  return detail::finish(col, channel, d);
}

} // namespace

std::int64_t system_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

sync_result run_normal_sync(storage::collection& col, sync_channel& channel,
                            const normal_sync_options& options) {
  auto local = read_local_meta(col, options.clock());
  if (!local)
    return std::unexpected(local.error());
  auto remote = fetch_remote_meta(channel, options);
  if (!remote)
    return std::unexpected(remote.error());
  auto decision = compare_meta(*local, *remote);
  if (!decision)
    return std::unexpected(decision.error());

  sync_outcome outcome;
  outcome.server_message = remote->msg;
  outcome.server_media_usn = remote->media_usn;
  switch (decision->required) {
  case sync_required::no_changes:
    outcome.kind = sync_outcome_kind::no_changes;
    return outcome;
  case sync_required::full_sync:
    outcome.kind = sync_outcome_kind::full_sync_required;
    outcome.full = decision->full;
    return outcome;
  case sync_required::normal_sync:
    break;
  }

  if (auto r = col.begin(); !r)
    return std::unexpected(detail::local_failure(sync_method::start, r.error()));
  auto done = run_steps(col, channel, *decision, options);
  if (done) {
    // The server committed at finish; a failure here leaves us behind it,
    // and the next sync repairs that as upstream's would.
    if (auto r = col.commit(); !r)
      return std::unexpected(detail::local_failure(sync_method::finish, r.error()));
    outcome.kind = sync_outcome_kind::normal_sync_done;
    return outcome;
  }

  auto failure = std::move(done.error());
  (void)col.rollback();
  // A dropped connection sends nothing more; otherwise tell the server to
  // drop its session now rather than at its idle timeout. Best effort.
  if (!channel.dropped())
    (void)channel.call(sync_method::abort, protocol::encode_empty_request());
  if (failure.kind == sync_failure_kind::sanity_check) {
    // Counts differ, so the two sides cannot be merged: force a full sync
    // next time, as upstream does (set_schema_modified).
    auto row = col.read_col();
    const std::int64_t now = options.clock();
    if (row)
      (void)col.set_scm(std::max(now, row->scm + 1));
  }
  return std::unexpected(std::move(failure));
}

} // namespace ankisync::client
