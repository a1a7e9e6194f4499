#include "actors/sync/row_convert.hpp"

namespace ankisync::actors::sync {

storage::card_row to_row(const protocol::card_entry& e) {
  return storage::card_row{e.id,   e.nid,    e.did,  e.ord,    e.mod,   e.usn,
                           e.type, e.queue,  e.due,  e.ivl,    e.factor, e.reps,
                           e.lapses, e.left, e.odue, e.odid,   e.flags, e.data};
}

storage::note_row to_row(const protocol::note_entry& e) {
  storage::note_row r;
  r.id = e.id;
  r.guid = e.guid;
  r.mid = e.mid;
  r.mod = e.mod;
  r.usn = e.usn;
  r.tags = e.tags;
  r.flds = e.flds;
  // sfld, csum, flags and data are recomputed or reset when stored.
  return r;
}

storage::revlog_row to_row(const protocol::revlog_entry& e) {
  return storage::revlog_row{e.id,  e.cid,      e.usn,    e.ease, e.ivl,
                             e.last_ivl, e.factor, e.time, e.type};
}

protocol::card_entry to_entry(const storage::card_row& r) {
  protocol::card_entry e;
  e.id = r.id;
  e.nid = r.nid;
  e.did = r.did;
  e.ord = static_cast<std::uint16_t>(r.ord);
  e.mod = r.mod;
  e.usn = r.usn;
  e.type = static_cast<std::uint8_t>(r.type);
  e.queue = static_cast<std::int8_t>(r.queue);
  e.due = static_cast<std::int32_t>(r.due);
  e.ivl = static_cast<std::uint32_t>(r.ivl);
  e.factor = static_cast<std::uint16_t>(r.factor);
  e.reps = static_cast<std::uint32_t>(r.reps);
  e.lapses = static_cast<std::uint32_t>(r.lapses);
  e.left = static_cast<std::uint32_t>(r.left);
  e.odue = static_cast<std::int32_t>(r.odue);
  e.odid = r.odid;
  e.flags = static_cast<std::uint8_t>(r.flags);
  e.data = r.data;
  return e;
}

protocol::note_entry to_entry(const storage::note_row& r) {
  protocol::note_entry e;
  e.id = r.id;
  e.guid = r.guid;
  e.mid = r.mid;
  e.mod = r.mod;
  e.usn = r.usn;
  e.tags = r.tags;
  e.flds = r.flds;
  return e;
}

protocol::revlog_entry to_entry(const storage::revlog_row& r) {
  protocol::revlog_entry e;
  e.id = r.id;
  e.cid = r.cid;
  e.usn = r.usn;
  e.ease = static_cast<std::uint8_t>(r.ease);
  e.ivl = static_cast<std::int32_t>(r.ivl);
  e.last_ivl = static_cast<std::int32_t>(r.last_ivl);
  e.factor = static_cast<std::uint32_t>(r.factor);
  e.time = static_cast<std::uint32_t>(r.time);
  e.type = static_cast<std::uint8_t>(r.type);
  return e;
}

protocol::graves_entry to_entry(const storage::graves_by_kind& g) {
  return protocol::graves_entry{g.cards, g.notes, g.decks};
}

protocol::sync_error storage_failure(std::string what, const storage::storage_error& e,
                                     protocol::error_code otherwise) {
  what += ": ";
  what += e.message;
  if (e.code != storage::storage_errc::disk_full)
    return protocol::make_error(otherwise, std::move(what));
  return protocol::disk_full_error(what);
}

protocol::sync_error step_failed(const char* step, const storage::storage_error& e) {
  // A file that cannot be written or a lock held too long is the server's
  // trouble, not something wrong with what the client sent.
  const bool ours = e.code == storage::storage_errc::io || e.code == storage::storage_errc::busy;
  return storage_failure(step, e,
                         ours ? protocol::error_code::server_error : protocol::error_code::bad_request);
}

} // namespace ankisync::actors::sync
