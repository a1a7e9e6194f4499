#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace ankisync::storage {

// Compact JSON text the way upstream's serde_json writes it: numbers that
// are doubles always carry a fraction or exponent ("10.0", "1.3", "1e20"),
// never Boost.JSON's "1E1" style. Clients parse either, but stored `other`
// blobs and round-tripped objects then read like upstream's.
std::string to_json_text(const boost::json::value& v);

// The double whose shortest decimal form is the shortest form of `f`, so a
// protobuf float 1.3f is emitted as 1.3 and not as 1.2999999523162842
// (collection-schema.md 7.5). Store this in JSON values made from floats.
double float_for_json(float f);

} // namespace ankisync::storage
