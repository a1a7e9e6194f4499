#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "actors/sync/session.hpp"
#include "protocol/changes.hpp"
#include "protocol/graves.hpp"
#include "protocol/meta.hpp"
#include "protocol/sanity.hpp"
#include "protocol/chunk.hpp"
#include "protocol/sync_error.hpp"
#include "storage/collection.hpp"

namespace ankisync::actors::sync {

// The server side of each step of a normal sync, as free functions over a
// collection and a session, so they run in tests without an actor system.
// Each returns the JSON body of the reply, or an error; the caller rolls
// the session back on any error.
using phase_result = std::expected<std::string, protocol::sync_error>;

// What `meta` reports, read from committed state only.
struct committed_state {
  std::int64_t mod = 0;
  std::int64_t scm = 0;
  std::int32_t usn = 0;
  bool empty = true;
  std::int64_t sched_ver = 1;
  bool has_creation_offset = false;
  std::uint64_t file_size = 0;
};
std::expected<committed_state, protocol::sync_error> read_committed_state(storage::collection& col);

struct meta_limits {
  // A collection file larger than this forces a one-way sync (upstream).
  std::uint64_t max_collection_bytes = 300ull << 20;
};
phase_result server_meta(const protocol::meta_request& req, const committed_state& state,
                         std::int32_t media_usn, const meta_limits& limits, std::int64_t now_ms);

// `start`: the caller has opened the session's transaction and filled
// key/client fields; this captures server_usn, collects graves and applies
// legacy graves sent inside start.
phase_result server_start(const protocol::start_request& req, storage::collection& col,
                          sync_session& session);
phase_result server_apply_graves(const protocol::apply_graves_request& req,
                                 storage::collection& col, sync_session& session);
phase_result server_apply_changes(const protocol::apply_changes_request& req,
                                  storage::collection& col, sync_session& session,
                                  std::int64_t now_ms);
phase_result server_chunk(storage::collection& col, sync_session& session);
phase_result server_apply_chunk(const protocol::apply_chunk_request& req, storage::collection& col,
                                sync_session& session);
// On a mismatch the reply says "bad"; `session.failed` is then set and the
// caller rolls back.
phase_result server_sanity_check(const protocol::sanity_request& req, storage::collection& col,
                                 sync_session& session);
// Stamps ls, usn + 1 and mod inside the session's transaction and commits
// it, so a crash can never keep the data but lose the new mod.
phase_result server_finish(storage::collection& col, sync_session& session, std::int64_t now_ms);

} // namespace ankisync::actors::sync
