#pragma once

#include <cstdint>

#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// Writes the objects a brand-new official collection starts with: the
// "Default" deck (id 1), the "Default" deck config (id 1) and the stock
// notetypes. Expects the schema-18 tables to exist and be empty; the caller
// owns the transaction. `now_ms` stamps mtimes so every object looks as if
// created at collection creation time.
result<void> insert_default_objects(sqlite3* db, std::int64_t now_ms);

} // namespace ankisync::storage
