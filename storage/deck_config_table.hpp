#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "storage/deck_config_row.hpp"
#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// The `deck_config` table of a schema-18 collection; `db` as for
// notetypes_table.hpp. Every read repairs out-of-range values
// (repair_deck_config_values), as upstream does; names may repeat.

result<std::optional<deck_config_row>> get_deck_config(sqlite3* db, std::int64_t id);
// The first (lowest id) config with that name, unicase comparison.
result<std::optional<deck_config_row>> get_deck_config_by_name(sqlite3* db, std::string_view name);
result<std::vector<deck_config_row>> all_deck_configs(sqlite3* db);
// usn >= min_usn, or usn = -1 when min_usn is -1. Ordered by id.
result<std::vector<deck_config_row>> pending_deck_configs(sqlite3* db, std::int32_t min_usn);
result<std::int64_t> count_deck_configs(sqlite3* db);

// Inserts or replaces the config with c.id (not 0), as stored (no repair).
result<void> put_deck_config(sqlite3* db, const deck_config_row& c);
result<void> delete_deck_config(sqlite3* db, std::int64_t id);

} // namespace ankisync::storage
