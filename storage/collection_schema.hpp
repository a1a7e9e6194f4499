#pragma once

#include <cstdint>
#include <string_view>

#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// Schema 18 as upstream ends up with it after creating schema 11 and
// upgrading (collection-schema.md §5): every table, column, constraint,
// collation and index. Persisted: change only with a schema migration.
extern const std::string_view schema18_ddl;

// The `crt` of a collection created at `now_secs`: today's 04:00 in the
// server's time zone, or yesterday's before 04:00. Like upstream, "today"
// uses the UTC offset in force at `now_secs` for the whole day.
std::int64_t creation_day_start(std::int64_t now_secs);

// Fills an empty database with the collection a new user gets
// (collection-schema.md §10): schema-18 tables and indexes, the col row,
// the 16 default config keys, statistics as upstream's upgrade leaves
// them, the default deck, deck config and stock notetypes, and curModel.
// The caller holds the write transaction.
result<void> create_collection(sqlite3* db, std::int64_t now_ms);

} // namespace ankisync::storage
