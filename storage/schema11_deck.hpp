#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "storage/deck_row.hpp"
#include "storage/storage_error.hpp"

namespace ankisync::storage {

// A schema-11 deck object (normal or filtered, chosen by "dyn") -> row, with
// upstream's required keys and leniency (collection-schema.md 4.3 and 7.2,
// protocol-collection.md 6.4). The "::" name becomes the native form
// (deck_name.hpp). Unknown keys go to Common.other; "return" is dropped.
// Errors: storage_errc::invalid naming the key.
result<deck_row> deck_from_schema11(const boost::json::value& json);

// Row -> the schema-11 object upstream sends. A row whose kind is unset
// (a corrupt blob) is written as a normal deck with config 1.
boost::json::object deck_to_schema11(const deck_row& deck);

// The same on JSON text, as protocol/ carries each object: malformed text
// is `invalid`; output uses to_json_text (json_text.hpp).
result<deck_row> deck_from_schema11_text(std::string_view json_text);
std::string deck_to_schema11_text(const deck_row& deck);

} // namespace ankisync::storage
