#pragma once

// The steps of a normal sync after meta, one function per protocol phase
// (internal to tools/client). Each runs inside the device's sync
// transaction; the driver (normal_sync.cpp) rolls back on any failure.

#include <expected>
#include <string>
#include <string_view>

#include "protocol/sync_error.hpp"
#include "storage/collection.hpp"
#include "storage/storage_error.hpp"
#include "tools/client/meta_compare.hpp"
#include "tools/client/sync_channel.hpp"

namespace ankisync::client::detail {

using step_result = std::expected<void, sync_failure>;

// A failure of the device's own file during `method`.
sync_failure local_failure(protocol::sync_method method, const storage::storage_error& e);
// A 200 reply to `method` whose body did not decode.
sync_failure bad_reply(protocol::sync_method method, const protocol::sync_error& e);

// start, then this device's graves (stamped with the server usn) in
// applyGraves calls of <= 250 ids, then the server's graves applied here.
step_result exchange_graves(storage::collection& col, sync_channel& channel,
                            const sync_decision& d);
// applyChanges: our pending notetypes, decks, deck configs and tags (and
// config + crt when we are newer) out, the server's merged here.
step_result exchange_changes(storage::collection& col, sync_channel& channel,
                             const sync_decision& d, std::int64_t now_secs);
// chunk until done, each applied with the rules the server uses.
step_result receive_chunks(storage::collection& col, sync_channel& channel);
// applyChunk until done: our pending revlog, notes and cards, interleaved.
step_result send_chunks(storage::collection& col, sync_channel& channel, const sync_decision& d);
// sanityCheck2 with our counts; "bad" is a sanity_check failure.
step_result check_sanity(storage::collection& col, sync_channel& channel);
// finish, then ls = mod = the server's reply and usn = server usn + 1.
step_result finish(storage::collection& col, sync_channel& channel, const sync_decision& d);

} // namespace ankisync::client::detail
