#include "actors/sync/phases.hpp"
#include "actors/sync/row_convert.hpp"
#include "protocol/version.hpp"

namespace ankisync::actors::sync {
namespace {

using protocol::error_code;
using protocol::make_error;

} // namespace

std::expected<committed_state, protocol::sync_error>
read_committed_state(storage::collection& col) {
  auto fail = [](const storage::storage_error& e) {
    return std::unexpected(make_error(error_code::server_error, "reading collection: " + e.message));
  };
  committed_state s;
  auto row = col.read_col();
  if (!row)
    return fail(row.error());
  s.mod = row->mod;
  s.scm = row->scm;
  s.usn = row->usn;
  auto counts = col.counts();
  if (!counts)
    return fail(counts.error());
  s.empty = counts->cards == 0;
  auto sched = col.get_config("schedVer");
  if (!sched)
    return fail(sched.error());
  if (*sched) {
    try {
      s.sched_ver = std::stoll((*sched)->value);
    } catch (...) {
      s.sched_ver = 1;
    }
  }
  auto offset = col.get_config("creationOffset");
  if (!offset)
    return fail(offset.error());
  s.has_creation_offset = *offset && (*offset)->value != "null";
  auto size = col.file_size();
  if (!size)
    return fail(size.error());
  s.file_size = *size;
  return s;
}

phase_result server_meta(const protocol::meta_request& req, const committed_state& state,
                         std::int32_t media_usn, const meta_limits& limits, std::int64_t now_ms) {
  if (!protocol::version::is_supported(req.v))
    return std::unexpected(make_error(error_code::client_too_old,
                                      "client sync version " + std::to_string(req.v) +
                                          " is not supported (client: " + req.cv + ")"));
  protocol::meta_response r;
  r.mod = state.mod;
  r.scm = state.scm;
  r.usn = state.usn;
  r.ts = now_ms / 1000;
  r.empty = state.empty;
  r.media_usn = media_usn;
  // A collection too large to download in one piece: a fresh scm on every
  // call makes every client do a one-way sync, as upstream does.
  if (state.file_size > limits.max_collection_bytes)
    r.scm = now_ms;
  if (state.sched_ver == 2 && req.v < protocol::version::v2_scheduler) {
    r.cont = false;
    r.msg = "Your client does not support the v2 scheduler";
  } else if (state.has_creation_offset && req.v < protocol::version::v2_timezone) {
    r.cont = false;
    r.msg = "Your client does not support the new timezone handling.";
  }
  return protocol::encode_meta_response(r);
}

} // namespace ankisync::actors::sync
