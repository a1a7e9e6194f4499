#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "storage/notetype_row.hpp"
#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// The `notetypes`, `fields` and `templates` tables of a schema-18
// collection. `db` is the collection's connection with the unicase
// collation registered; none of these begins a transaction of its own
// (writes of several rows use a savepoint, so they are all-or-nothing).
// A protobuf column that is not a BLOB or does not decode is `corrupt`.

result<std::optional<notetype_row>> get_notetype(sqlite3* db, std::int64_t id);
// Name lookups compare with the unicase collation ("basic" finds "Basic").
result<std::optional<std::int64_t>> notetype_id_by_name(sqlite3* db, std::string_view name);
result<std::optional<notetype_row>> get_notetype_by_name(sqlite3* db, std::string_view name);
result<std::vector<notetype_row>> all_notetypes(sqlite3* db);
// Rows changed since a client last synced: usn >= min_usn, or usn = -1
// when min_usn is -1 (upstream's pending-object rule). Ordered by id.
result<std::vector<notetype_row>> pending_notetypes(sqlite3* db, std::int32_t min_usn);
result<std::int64_t> count_notetypes(sqlite3* db);

// Inserts or replaces the notetype with nt.id (which must not be 0) and
// rewrites all its fields and templates, numbering them by position.
// Check the name first (ensure_notetype_name_unique): a clash with another
// notetype is a unique-index violation, `exists`.
result<void> put_notetype(sqlite3* db, const notetype_row& nt);
// Deletes the notetype with its fields and templates; a missing id is fine.
result<void> delete_notetype(sqlite3* db, std::int64_t id);

// While another notetype has nt.name (unicase), appends "+" and marks nt
// modified (mtime_secs = now_secs, usn = usn), as upstream does before
// saving a notetype that arrived by sync. True if the name changed.
result<bool> ensure_notetype_name_unique(sqlite3* db, notetype_row& nt, std::int32_t usn,
                                         std::int64_t now_secs);

} // namespace ankisync::storage
