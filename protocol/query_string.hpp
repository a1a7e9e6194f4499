#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ankisync::protocol {

// The name=value pairs of a URL query string (the part after '?'), in
// order, form-urlencoded: '+' is a space, %XX a byte, a malformed escape
// is kept as it is. Empty pairs are skipped; a name without '=' has an
// empty value.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

// A value for a query string: every byte but the unreserved ones
// (letters, digits, "-_.~") as %XX.
std::string percent_encode(std::string_view value);

} // namespace ankisync::protocol
