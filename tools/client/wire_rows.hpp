#pragma once

// Wire rows (protocol/) <-> stored rows (storage/) on the client side.
// The server has the same seam in actors/sync/row_convert; the client
// library cannot link the actor room, and the conversions are plain field
// copies, so it keeps its own.

#include "protocol/chunk.hpp"
#include "protocol/graves.hpp"
#include "storage/collection_rows.hpp"

namespace ankisync::client {

storage::card_row to_row(const protocol::card_entry& e);
// sfld, csum, flags and data are left blank: storage recomputes them.
storage::note_row to_row(const protocol::note_entry& e);
storage::revlog_row to_row(const protocol::revlog_entry& e);

protocol::card_entry to_entry(const storage::card_row& r);
// sfld, csum, flags and data go out blank, as upstream clients send notes.
protocol::note_entry to_entry(const storage::note_row& r);
protocol::revlog_entry to_entry(const storage::revlog_row& r);

protocol::graves_entry to_entry(const storage::graves_by_kind& g);

} // namespace ankisync::client
