#pragma once

#include <filesystem>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

// Writes to `dest` (which must not exist) a schema-11 copy of the schema-18
// collection at `schema18_source`, for clients on the legacy protocol
// (collection-schema.md 7.3, 9.2). The source is only read: a consistent
// snapshot is taken with a connection of its own (snapshot_collection),
// and the copy is converted in place in one exclusive transaction:
// graves become the schema-11 rowid table (usn, oid, type); deck configs
// (read with value repair), decks, notetypes, config rows and tags become
// the JSON of col.dconf, decks, models, conf and tags, through the
// schema-11 converters, each map keyed by id (ascending); the schema-14+
// tables and indexes are dropped and ver = 11. The copy is left in
// journal mode DELETE, as upstream closes schema-11 files.
//
// Errors: a source that is not at schema 18 is `invalid`; a config value
// that is not JSON or a row that does not decode is `corrupt`; snapshot
// and I/O failures as snapshot_collection reports them. On any error
// `dest` is removed again.
result<void> write_schema11_copy(const std::filesystem::path& schema18_source,
                                 const std::filesystem::path& dest);

} // namespace ankisync::storage
