#pragma once

#include <cstdint>

#include "protocol/graves.hpp"
#include "storage/collection.hpp"

namespace ankisync::actors::sync {

// Applies the other side's deletions, the same on server and client.
// Deletion beats any edit: rows go whatever their mtime, notes first, then
// cards, then decks (upstream's order); each leaves a grave stamped `usn`
// (a grave that exists keeps its usn).
storage::result<void> apply_graves_rows(storage::collection& col,
                                        const protocol::graves_entry& graves, std::int32_t usn);

} // namespace ankisync::actors::sync
