#pragma once

#include <filesystem>

#include "storage/collection.hpp"
#include "storage/storage_error.hpp"

namespace ankisync::storage {

// What a full upload must be before it may replace a user's collection:
// a SQLite file that passes PRAGMA integrity_check, an Anki collection of
// schema 18 (what current clients upload) with every table a collection
// has. A schema-11 file (legacy clients; also 14-17) is first checked and
// upgraded in place to 18 (schema_upgrade.hpp), so `file` must be the
// server's own temp file. Anything else (12, 13, < 11, > 18, bad JSON in a
// schema-11 file, ...): corrupt, with the reason.
result<void> validate_uploaded_collection(const std::filesystem::path& file);

// The checks of an upload after any upgrade, also run by `ankisync
// check` on stored collections: PRAGMA integrity_check, schema 18 and
// every table a collection has.
result<void> check_collection_file(const std::filesystem::path& file);

// Writes a consistent, self-contained copy (no -wal needed) of the
// collection at `source` to `dest`, which must not exist. Uses a
// connection of its own, so it can run on another thread while the owner
// of the collection waits; it sees the last commit.
result<void> snapshot_collection(const std::filesystem::path& source,
                                 const std::filesystem::path& dest);

// Makes `from` the file at `to`, durably: `from` is synced, any -wal/-shm
// left beside `to` is removed first (a stale log must never be applied to
// the new file), the rename is atomic and the folder is synced. A crash at
// any point leaves either the old file or the new one, never a mix.
result<void> replace_collection_file(const std::filesystem::path& from,
                                     const std::filesystem::path& to);

} // namespace ankisync::storage
