#include "actors/sync/chunk_rows.hpp"

#include <unordered_map>

#include "actors/sync/row_convert.hpp"
#include "storage/sync_objects.hpp"

namespace ankisync::actors::sync {
namespace {

// Upstream's is_pending_sync: usn >= minUsn, except that -1 means exactly -1.
template <class Row>
bool incoming_wins(const std::optional<Row>& existing, std::int64_t incoming_mod,
                   std::int32_t min_usn, equal_mtime tie) {
  if (!existing)
    return true;
  const bool pending = min_usn == -1 ? existing->usn == -1 : existing->usn >= min_usn;
  if (!pending || existing->mod < incoming_mod)
    return true;
  return tie == equal_mtime::take_theirs && existing->mod == incoming_mod;
}

storage::write_mode write_mode_for(const std::optional<storage::row_stamp>& existing) {
  return existing ? storage::write_mode::upsert : storage::write_mode::insert_new;
}

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
                                       equal_mtime tie) {
  // Reviews are history: never changed once stored.
  for (auto& entry : chunk.revlog)
    if (auto r = col.add_revlog(to_row(entry)); !r)
      return std::unexpected(r.error());
  for (auto& entry : chunk.cards) {
    auto existing = col.card_stamp(entry.id);
    if (!existing)
      return std::unexpected(existing.error());
    if (!incoming_wins(*existing, entry.mod, min_usn, tie))
      continue;
    if (auto r = col.put_card(to_row(entry), write_mode_for(*existing)); !r)
      return r;
  }
  // The notes of a chunk share a few notetypes: each is read and parsed
  // once per chunk, not once per note (a third of applyChunk's time).
  std::unordered_map<std::int64_t, storage::note_shape> shapes;
  for (auto& entry : chunk.notes) {
    auto existing = col.note_stamp(entry.id);
    if (!existing)
      return std::unexpected(existing.error());
    if (!incoming_wins(*existing, entry.mod, min_usn, tie))
      continue;
    auto known = shapes.find(entry.mid);
    if (known == shapes.end()) {
      auto shape = storage::note_shape_of(col, entry.mid);
      if (!shape)
        return std::unexpected(shape.error());
      if (!*shape)
        return storage::fail(storage::storage_errc::invalid,
                             "note " + std::to_string(entry.id) + " uses notetype " +
                                 std::to_string(entry.mid) + ", which does not exist");
      known = shapes.emplace(entry.mid, **shape).first;
    }
    if (auto r = col.put_note(to_row(entry), known->second, write_mode_for(*existing)); !r)
      return std::unexpected(r.error());
  }
  return {};
}

} // namespace ankisync::actors::sync
