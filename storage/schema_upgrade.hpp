#pragma once

#include <cstdint>
#include <filesystem>

#include "storage/storage_error.hpp"

namespace ankisync::storage {

// How upgrade_to_schema18 stamps the rows it has to change itself (decks
// whose name it normalised or de-duplicated, cards whose ease it repaired).
struct schema_upgrade_options {
  // true: the collection's own usn (`col.usn`), as upstream's open does on
  // a server. false: -1 (pending), as upstream's open does on a client,
  // which is also how upstream checks an upload: those rows then fail the
  // next normal sync's sanity check (collection-schema.md 9.3). [ours]
  // The server upgrades uploads in server mode, so they don't.
  bool server = true;
  // The mtime of those rows, unix seconds; 0 = the clock.
  std::int64_t now_secs = 0;
  // Run PRAGMA integrity_check before changing anything and refuse the file
  // (corrupt) unless it answers "ok", as upstream's upload check does.
  bool check_integrity = false;
};

// The `ver` of the collection in `file` (col.ver, not the SQLite user
// version). Not an SQLite file, or no col table/row: corrupt.
result<std::int64_t> collection_schema_version(const std::filesystem::path& file);

// True for the versions upgrade_to_schema18 converts: 11 and 14-17.
constexpr bool schema_needs_upgrade(std::int64_t ver) {
  return ver == 11 || (ver >= 14 && ver <= 17);
}

// Converts the collection in `file` to schema 18 in place, in one
// exclusive transaction: all or nothing (collection-schema.md 7.1, 7.2).
// From 11: the JSON in col.conf/models/decks/dconf/tags becomes rows of
// config, notetypes (+ fields, templates), decks, deck_config and tags,
// through the schema-11 converters and with upstream's upgrade rules:
// names NFC, clashing field/template names get "+", clashing notetype
// names "_", deck names in native form and clashing ones "_" (those decks
// are stamped as changed), deck configs keyed by their map key, an initial
// ease <= 1.3 becomes 2.5 and the low card eases of its decks are
// repaired, tags collapsed, config rows with usn 0 and mtime 0. Graves are
// rebuilt keyed by (oid, type) (duplicates collapse), the new indexes are
// created, ANALYZE runs, ver = 18 and the JSON columns become ''. Files at
// 14-17 get only the steps they lack. Objects are visited by ascending id
// (where upstream's order is a hash map's, i.e. unspecified).
//
// A file at 18 is left alone. Errors: a version outside 11..18 or 12/13,
// malformed JSON in a column the upgrade reads, an object the schema-11
// rules refuse, a failed integrity check: corrupt; the file is then
// unchanged. The file must not be open elsewhere (the transaction is
// exclusive).
result<void> upgrade_to_schema18(const std::filesystem::path& file,
                                 const schema_upgrade_options& options = {});

} // namespace ankisync::storage
