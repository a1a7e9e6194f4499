#include "actors/sync/chunk_rows.hpp"

#include <unordered_map>

#include "actors/sync/row_convert.hpp"
#include "storage/sync_objects.hpp"

namespace ankisync::actors::sync {
namespace {

template <class Get, class Entries>
storage::result<void> load(const std::vector<std::int64_t>& ids, Get get, Entries& out) {
  for (auto id : ids) {
    auto row = get(id);
    if (!row)
      return std::unexpected(row.error());
    if (*row)
      out.push_back(to_entry(**row));
  }
  return {};
}

} // namespace

storage::result<outgoing_ids> pending_rows(storage::collection& col, std::int32_t min_usn) {
  using storage::synced_table;
  auto revlog = col.pending_ids(synced_table::revlog, min_usn);
  if (!revlog)
    return std::unexpected(revlog.error());
  auto cards = col.pending_ids(synced_table::cards, min_usn);
  if (!cards)
    return std::unexpected(cards.error());
  auto notes = col.pending_ids(synced_table::notes, min_usn);
  if (!notes)
    return std::unexpected(notes.error());
  return outgoing_ids{std::move(*revlog), std::move(*cards), std::move(*notes)};
}

chunk_ids take_chunk_ids(outgoing_ids& from) {
  chunk_ids taken;
  int budget = chunk_budget;
  auto take = [&](std::vector<std::int64_t>& source, std::vector<std::int64_t>& to) {
    if (source.empty())
      return;
    to.push_back(source.back());
    source.pop_back();
    --budget;
  };
  while (budget > 0) {
    const int before = budget;
    take(from.revlog, taken.ids.revlog);
    take(from.notes, taken.ids.notes);
    take(from.cards, taken.ids.cards);
    if (budget == before)
      break;
  }
  taken.done = budget > 0;
  return taken;
}

storage::result<protocol::chunk_entry> load_chunk(storage::collection& col,
                                                  const chunk_ids& taken) {
  protocol::chunk_entry chunk;
  chunk.done = taken.done;
  if (auto r = load(taken.ids.revlog, [&](auto id) { return col.get_revlog(id); }, chunk.revlog);
      !r)
    return std::unexpected(r.error());
  if (auto r = load(taken.ids.cards, [&](auto id) { return col.get_card(id); }, chunk.cards); !r)
    return std::unexpected(r.error());
  if (auto r = load(taken.ids.notes, [&](auto id) { return col.get_note(id); }, chunk.notes); !r)
    return std::unexpected(r.error());
  return chunk;
}

storage::result<void> apply_chunk_rows(storage::collection& col,
                                       const protocol::chunk_entry& chunk, std::int32_t min_usn,
                                       equal_mtime tie, note_shape_cache* shapes) {
  // Reviews are history: never changed once stored.
  for (auto& entry : chunk.revlog)
    if (auto r = col.add_revlog(to_row(entry)); !r)
      return std::unexpected(r.error());
  // Upstream's is_pending_sync and mtime rule, checked by SQLite inside
  // each write.
  const storage::merge_rule rule{min_usn, tie == equal_mtime::take_theirs};
  for (auto& entry : chunk.cards)
    if (auto r = col.merge_card(to_row(entry), rule); !r)
      return r;
  // Notes share a few notetypes: each is read and parsed once per sync
  // (or chunk), not once per note.
  note_shape_cache local;
  note_shape_cache& known_shapes = shapes ? *shapes : local;
  for (auto& entry : chunk.notes) {
    auto known = known_shapes.find(entry.mid);
    if (known == known_shapes.end()) {
      auto shape = storage::note_shape_of(col, entry.mid);
      if (!shape)
        return std::unexpected(shape.error());
      if (!*shape) {
        // Upstream looks the notetype up only for a note it will write.
        auto existing = col.note_stamp(entry.id);
        if (!existing)
          return std::unexpected(existing.error());
        if (storage::stored_row_wins(*existing, entry.mod, rule))
          continue;
        return storage::fail(storage::storage_errc::invalid,
                             "note " + std::to_string(entry.id) + " uses notetype " +
                                 std::to_string(entry.mid) + ", which does not exist");
      }
      known = known_shapes.emplace(entry.mid, **shape).first;
    }
    if (auto r = col.merge_note(to_row(entry), known->second, rule); !r)
      return r;
  }
  return {};
}

} // namespace ankisync::actors::sync
