#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ankisync::storage {

// Rows of a schema-18 collection as storage reads and writes them. Column
// meanings: collection-schema.md §3; wire order: protocol-collection.md
// §6.2. Plain data; the sync code converts to and from the wire types.

// The single `col` row (JSON columns are '' at schema 18 and not kept).
struct col_row {
  std::int64_t crt = 0; // creation, unix seconds
  std::int64_t mod = 0; // last change, unix ms
  std::int64_t scm = 0; // last schema change, unix ms
  std::int64_t ver = 0; // schema version
  std::int32_t usn = 0; // next usn a sync stamps on what it writes
  std::int64_t ls = 0;  // last sync, unix ms
  friend bool operator==(const col_row&, const col_row&) = default;
};

struct card_row {
  std::int64_t id = 0;
  std::int64_t nid = 0;
  std::int64_t did = 0;
  std::int64_t ord = 0;
  std::int64_t mod = 0; // unix seconds
  std::int32_t usn = 0;
  std::int64_t type = 0;
  std::int64_t queue = 0;
  std::int64_t due = 0;
  std::int64_t ivl = 0;
  std::int64_t factor = 0;
  std::int64_t reps = 0;
  std::int64_t lapses = 0;
  std::int64_t left = 0;
  std::int64_t odue = 0;
  std::int64_t odid = 0;
  std::int64_t flags = 0;
  std::string data; // JSON object text, "{}" or "" when empty
  friend bool operator==(const card_row&, const card_row&) = default;
};

struct note_row {
  std::int64_t id = 0;
  std::string guid;
  std::int64_t mid = 0; // notetype id
  std::int64_t mod = 0; // unix seconds
  std::int32_t usn = 0;
  std::string tags; // " a b " or ""
  std::string flds; // fields joined by U+001F
  // Derived from flds when written (note_fields.hpp); read back as text
  // even where SQLite stored a number (the column has integer affinity).
  std::string sfld;
  std::uint32_t csum = 0;
  std::int64_t flags = 0;
  std::string data;
  friend bool operator==(const note_row&, const note_row&) = default;
};

// What writing a note needs to know about its notetype.
struct note_shape {
  std::size_t field_count = 1; // the notetype's number of fields
  std::size_t sort_idx = 0;    // Notetype.Config.sort_field_idx
};

struct revlog_row {
  std::int64_t id = 0; // review time, unix ms
  std::int64_t cid = 0;
  std::int32_t usn = 0;
  std::int64_t ease = 0;
  std::int64_t ivl = 0;
  std::int64_t last_ivl = 0; // column lastIvl
  std::int64_t factor = 0;
  std::int64_t time = 0; // answer time, ms
  std::int64_t type = 0;
  friend bool operator==(const revlog_row&, const revlog_row&) = default;
};

// Persisted in graves.type: do not renumber.
enum class grave_kind : std::int64_t { card = 0, note = 1, deck = 2 };

struct grave {
  std::int64_t oid = 0;
  grave_kind kind = grave_kind::card;
  friend bool operator==(const grave&, const grave&) = default;
};

// Graves as the sync exchanges them.
struct graves_by_kind {
  std::vector<std::int64_t> cards;
  std::vector<std::int64_t> notes;
  std::vector<std::int64_t> decks;
  friend bool operator==(const graves_by_kind&, const graves_by_kind&) = default;
};

// One row of the `config` table. `value` is the JSON text of the value,
// stored as a BLOB.
struct config_entry {
  std::string key;
  std::int32_t usn = 0;
  std::int64_t mtime_secs = 0;
  std::string value;
  friend bool operator==(const config_entry&, const config_entry&) = default;
};

// Row counts compared by the sync's sanity check (upstream's order).
struct collection_counts {
  std::int64_t cards = 0;
  std::int64_t notes = 0;
  std::int64_t revlog = 0;
  std::int64_t graves = 0;
  std::int64_t notetypes = 0;
  std::int64_t decks = 0;
  std::int64_t deck_config = 0;
  friend bool operator==(const collection_counts&, const collection_counts&) = default;
};

// The tables that hold syncable rows, for pending-id queries.
enum class synced_table { cards, notes, revlog };

} // namespace ankisync::storage
