#pragma once

#include "protocol/chunk.hpp"
#include "protocol/graves.hpp"
#include "protocol/sync_error.hpp"
#include "storage/collection_rows.hpp"
#include "storage/storage_error.hpp"

namespace ankisync::actors::sync {

// The one seam between wire rows (protocol/) and stored rows (storage/).
storage::card_row to_row(const protocol::card_entry& e);
storage::note_row to_row(const protocol::note_entry& e);
storage::revlog_row to_row(const protocol::revlog_entry& e);
protocol::card_entry to_entry(const storage::card_row& r);
// sfld, csum, flags and data go out blank, as upstream sends notes.
protocol::note_entry to_entry(const storage::note_row& r);
protocol::revlog_entry to_entry(const storage::revlog_row& r);
protocol::graves_entry to_entry(const storage::graves_by_kind& g);

// A storage failure as the client hears it: a full disk is
// insufficient_storage, whose message starts with the sentence a client
// shows (Check Database would not help); anything else is `otherwise`.
protocol::sync_error storage_failure(std::string what, const storage::storage_error& e,
                                     protocol::error_code otherwise);

// A storage failure inside a sync step. Upstream answers every such
// failure with 400, which makes the client offer "Check Database"; so do
// we, except for the server's own disk failing (an I/O error, a lock held
// too long: 500) or filling up (507), where checking the device's
// database would not help.
protocol::sync_error step_failed(const char* step, const storage::storage_error& e);

} // namespace ankisync::actors::sync
