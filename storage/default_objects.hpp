#pragma once

#include <cstdint>

#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// Writes the objects a brand-new official collection starts with: the
// "Default" deck (id 1), the "Default" deck config (id 1) and the six stock
// notetypes (Basic first). Expects the schema-18 tables to exist without
// these rows; the caller owns the transaction. `now_ms` becomes the id of
// "Basic" (the others follow as now_ms+1, ...), as upstream ids notetypes by
// creation time; every mtime and usn stays 0 as upstream leaves them.
// The caller sets config `curModel` to the lowest notetype id afterwards
// (upstream does that with usn -1 and mtime now).
result<void> insert_default_objects(sqlite3* db, std::int64_t now_ms);

} // namespace ankisync::storage
