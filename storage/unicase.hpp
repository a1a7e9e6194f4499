#pragma once

#include <string>
#include <string_view>

#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// The `unicase` collation of Anki collections (collection-schema.md §2):
// Rust crate unicase 2.6.0 as Anki calls it. Both strings ASCII: compare
// with A-Z lowered. Otherwise compare the sequences of Unicode 12.0 full
// case folds (CaseFolding.txt C+F) code point by code point, where a fold
// to three code points comes out third, first, second (a quirk of that
// crate, kept because it decides the order of name indexes on disk).
// Returns <0, 0 or >0. Invalid UTF-8 compares as if each ill-formed part
// were U+FFFD, as Anki's SQLite binding decodes it.
int unicase_compare(std::string_view a, std::string_view b) noexcept;

inline bool unicase_equal(std::string_view a, std::string_view b) noexcept {
  return unicase_compare(a, b) == 0;
}

// The folded form as UTF-8: unicase_compare(a, b) has the sign of
// unicase_key(a).compare(unicase_key(b)), so it can key in-memory maps.
std::string unicase_key(std::string_view s);

// Registers the collation on a connection. Must run before any statement
// touches a schema >= 14 collection (name indexes, integrity_check).
result<void> register_unicase(sqlite3* db);

} // namespace ankisync::storage
