#pragma once

// The client's side of a collection: what an Anki device does to its own
// file that the sync server never does. The reference client (tools/client)
// uses it to make local edits and to run the client half of a normal sync;
// keeping it here keeps every SQL statement in storage/.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/collection.hpp"
#include "storage/deck_config_row.hpp"
#include "storage/deck_row.hpp"
#include "storage/notetype_row.hpp"

namespace ankisync::storage {

// ---- stamping what a client sends (upstream: maybe_update_object_usns) ----
//
// A client marks its edits with usn -1; during a sync it rewrites them to
// the server's usn both in its file and in what it sends.

// Notetypes / decks / deck configs at usn -1: set to `usn` in the file and
// returned as the schema-11 JSON that applyChanges carries.
result<std::vector<std::string>> stamp_pending_notetypes_json(collection& col, std::int32_t usn);
result<std::vector<std::string>> stamp_pending_decks_json(collection& col, std::int32_t usn);
result<std::vector<std::string>> stamp_pending_deck_configs_json(collection& col,
                                                                 std::int32_t usn);
// Tags at usn -1: set to `usn`; returns their names.
result<std::vector<std::string>> stamp_pending_tags(collection& col, std::int32_t usn);
// Graves at usn -1 get `usn` (the ids were read before with pending_graves).
result<void> stamp_pending_graves(collection& col, std::int32_t usn);
// Sets the usn of the given cards / notes / revlog entries.
result<void> set_row_usns(collection& col, synced_table table,
                          const std::vector<std::int64_t>& ids, std::int32_t usn);

// ---- lookups a device's edits need ----
result<std::vector<std::int64_t>> card_ids_of_note(collection& col, std::int64_t nid);
result<std::vector<std::int64_t>> card_ids_in_deck(collection& col, std::int64_t did);
result<std::vector<std::int64_t>> note_ids_of_notetype(collection& col, std::int64_t ntid);

// ---- notetypes, decks and deck configs through the collection ----
//
// The same as notetypes_table.hpp, decks_table.hpp and deck_config_table.hpp,
// for callers outside storage/ that hold a collection, not a connection.
result<std::optional<notetype_row>> find_notetype(collection& col, std::int64_t id);
result<std::optional<notetype_row>> find_notetype_by_name(collection& col, std::string_view name);
// Appends "+" while another notetype has the name (as upstream does for a
// new or renamed notetype; the row then gets now_secs and its own usn),
// then inserts or replaces it.
result<void> save_notetype(collection& col, notetype_row& nt, std::int64_t now_secs);
result<void> erase_notetype(collection& col, std::int64_t id);

result<std::optional<deck_row>> find_deck(collection& col, std::int64_t id);
result<std::vector<deck_row>> every_deck(collection& col);
// Appends "+" while another deck has the (native) name, then saves.
result<void> save_deck(collection& col, deck_row& d, std::int64_t now_secs);

result<std::optional<deck_config_row>> find_deck_config(collection& col, std::int64_t id);
result<void> save_deck_config(collection& col, const deck_config_row& c);

} // namespace ankisync::storage
