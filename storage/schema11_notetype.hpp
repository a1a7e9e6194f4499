#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "storage/notetype_row.hpp"
#include "storage/storage_error.hpp"

namespace ankisync::storage {

// A schema-11 notetype object (an element of applyChanges "models", or a
// value of col.models) -> row, with upstream's required keys and leniency
// (collection-schema.md 4.2, protocol-collection.md 6.4). Unknown keys of
// the notetype, its fields and templates go to the `other` bytes. Field and
// template ords are their array positions; templates get mtime 0, usn 0.
// Names are taken as sent (upstream normalises them only when upgrading a
// schema-11 file). Errors: storage_errc::invalid naming the key.
result<notetype_row> notetype_from_schema11(const boost::json::value& json);

// Row -> the schema-11 object upstream sends, with the `other` keys merged
// back (minus keys written here).
boost::json::object notetype_to_schema11(const notetype_row& nt);

// The same on JSON text, as protocol/ carries each object: malformed text
// is `invalid`; output uses to_json_text (json_text.hpp).
result<notetype_row> notetype_from_schema11_text(std::string_view json_text);
std::string notetype_to_schema11_text(const notetype_row& nt);

} // namespace ankisync::storage
