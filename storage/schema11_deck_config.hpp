#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "storage/deck_config_row.hpp"
#include "storage/storage_error.hpp"

namespace ankisync::storage {

// A schema-11 deck options object (an element of applyChanges
// "decks"[1], or a value of col.dconf) -> row, with upstream's required keys
// and leniency (collection-schema.md 4.4, protocol-collection.md 6.4): the
// "new", "rev" and "lapse" sub-objects must be present, but one that does
// not parse silently becomes its defaults. Unknown keys go to `other`, those
// of the sub-objects under "new"/"rev"/"lapse". No value repair happens
// here (upstream repairs on read). Errors: storage_errc::invalid.
result<deck_config_row> deck_config_from_schema11(const boost::json::value& json);

// Row -> the schema-11 object upstream sends. Pass a row that went through
// repair_deck_config_values (every read from the tables does).
boost::json::object deck_config_to_schema11(const deck_config_row& conf);

// The same on JSON text, as protocol/ carries each object: malformed text
// is `invalid`; output uses to_json_text (json_text.hpp).
result<deck_config_row> deck_config_from_schema11_text(std::string_view json_text);
std::string deck_config_to_schema11_text(const deck_config_row& conf);

} // namespace ankisync::storage
