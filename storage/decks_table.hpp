#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "storage/deck_row.hpp"
#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// The `decks` table of a schema-18 collection; `db` as for
// notetypes_table.hpp. Names are in native form (deck_name.hpp). A row
// whose blobs are not BLOBs or do not decode, or whose kind is unset, is
// `corrupt` (upstream: "invalid deck kind").

result<std::optional<deck_row>> get_deck(sqlite3* db, std::int64_t id);
// Unicase comparison of the native name.
result<std::optional<std::int64_t>> deck_id_by_name(sqlite3* db, std::string_view native_name);
result<std::optional<deck_row>> get_deck_by_name(sqlite3* db, std::string_view native_name);
result<std::vector<deck_row>> all_decks(sqlite3* db);
// usn >= min_usn, or usn = -1 when min_usn is -1. Ordered by id.
result<std::vector<deck_row>> pending_decks(sqlite3* db, std::int32_t min_usn);
result<std::int64_t> count_decks(sqlite3* db);

// Inserts or replaces the deck with d.id (not 0). Check the name first
// (ensure_deck_name_unique): a clash is a unique-index violation, `exists`.
result<void> put_deck(sqlite3* db, const deck_row& d);
result<void> delete_deck(sqlite3* db, std::int64_t id);

// While another deck has d.name (unicase), appends "+" and marks d modified
// (mtime_secs = now_secs, usn = usn). True if the name changed.
result<bool> ensure_deck_name_unique(sqlite3* db, deck_row& d, std::int32_t usn,
                                     std::int64_t now_secs);

} // namespace ankisync::storage
