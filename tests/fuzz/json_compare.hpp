#pragma once
// JSON texts compared as values, doubles within a few ulps. Boost.JSON
// 1.81 parses some 17-digit doubles one ulp off (about one in ten values
// that need all 17 digits, e.g. 113.17408141314563), so a double that
// crosses the server may move by an ulp per pass; everything else must
// come back exactly.
#include <boost/json.hpp>

#include <cmath>
#include <string_view>

namespace ankisync::fuzz {

inline bool close_doubles(double a, double b) {
  if (a == b)
    return true;
  double x = a;
  for (int i = 0; i < 4; ++i) {
    x = std::nextafter(x, b);
    if (x == b)
      return true;
  }
  return false;
}

inline bool same_json_value(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number() && (a.is_double() || b.is_double()))
    return close_doubles(a.to_number<double>(), b.to_number<double>());
  if (a.kind() != b.kind())
    return false;
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size())
      return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same_json_value(x[i], y[i]))
        return false;
    return true;
  }
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size())
      return false;
    for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j)
      if (i->key() != j->key() || !same_json_value(i->value(), j->value()))
        return false;
    return true;
  }
  return a == b;
}

inline bool same_json(std::string_view a, std::string_view b) {
  if (a == b)
    return true;
  boost::json::parse_options deep;
  deep.max_depth = 1024; // the decoders allow 128 levels
  boost::json::error_code ea, eb;
  const auto x = boost::json::parse(boost::json::string_view(a.data(), a.size()), ea, {}, deep);
  const auto y = boost::json::parse(boost::json::string_view(b.data(), b.size()), eb, {}, deep);
  return !ea && !eb && same_json_value(x, y);
}

} // namespace ankisync::fuzz
