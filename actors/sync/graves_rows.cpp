#include "actors/sync/graves_rows.hpp"

namespace ankisync::actors::sync {

storage::result<void> apply_graves_rows(storage::collection& col,
                                        const protocol::graves_entry& graves, std::int32_t usn) {
  for (auto id : graves.notes)
    if (auto r = col.remove_note(id, usn); !r)
      return r;
  for (auto id : graves.cards)
    if (auto r = col.remove_card(id, usn); !r)
      return r;
  for (auto id : graves.decks)
    if (auto r = col.remove_deck(id, usn); !r)
      return r;
  return {};
}

} // namespace ankisync::actors::sync
