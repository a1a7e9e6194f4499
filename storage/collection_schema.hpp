#pragma once

#include <cstdint>
#include <string_view>

#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// Schema 18 as upstream ends up with it after creating schema 11 and
// upgrading (collection-schema.md §5): every table, column, constraint,
// collation and index. Persisted: change only with a schema migration.
// It is the concatenation of the pieces below (core, graves as 18 keys
// them, 14's, 15's and 17's tables).
extern const std::string_view schema18_ddl;

// The pieces, each the tables a schema version added with their indexes,
// for converting files between schema 11 and 18 (schema_upgrade.hpp,
// schema_downgrade.hpp):
// col, notes, cards, revlog and their ix_* indexes (same at 11 and 18).
extern const std::string_view schema11_core_ddl;
// graves as schema 11 declares it: a rowid table (usn, oid, type), no key.
extern const std::string_view schema11_graves_ddl;
// deck_config and config (added at 14).
extern const std::string_view schema14_ddl;
// fields, templates, notetypes, decks and their indexes, idx_notes_mid,
// idx_cards_odid (added at 15).
extern const std::string_view schema15_ddl;
// tags(tag, usn, collapsed, config) as 17 rebuilt it.
extern const std::string_view schema17_tags_ddl;
// graves keyed by (oid, type) WITHOUT ROWID, and idx_graves_pending (18).
extern const std::string_view schema18_graves_ddl;

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
