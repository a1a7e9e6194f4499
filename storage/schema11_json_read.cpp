#include "storage/schema11_json_read.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <boost/json/parse.hpp>

namespace ankisync::storage::s11 {

namespace {

// Rust's str::parse::<i64>: optional sign, digits only, nothing else.
std::optional<std::int64_t> parse_i64_text(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return std::nullopt;
  }
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

// Rust's str::parse::<f64>: a decimal number, also "inf"/"nan" spellings.
std::optional<double> parse_f64_text(std::string_view s) {
  std::string_view t = s;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  double d = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return d;
}

std::optional<bool> bool_from_number(double d) {
  if (std::fabs(d - 1.0) < 2.220446049250313e-16) return true;
  if (d == 0.0) return false;
  return std::nullopt;
}

} // namespace

std::optional<std::int64_t> parse_i64_num_or_str(const json::value& v) {
  if (v.is_string()) return parse_i64_text(v.get_string());
  return parse_int<std::int64_t>(v);
}

std::optional<std::int32_t> parse_i32_num_or_str(const json::value& v) {
  if (v.is_string()) {
    auto n = parse_i64_text(v.get_string());
    if (!n || *n < std::numeric_limits<std::int32_t>::min() ||
        *n > std::numeric_limits<std::int32_t>::max())
      return std::nullopt;
    return static_cast<std::int32_t>(*n);
  }
  return parse_int<std::int32_t>(v);
}

std::optional<bool> parse_bool(const json::value& v) {
  if (v.is_bool()) return v.get_bool();
  return std::nullopt;
}

std::optional<bool> parse_bool_from_anything(const json::value& v) {
  if (v.is_bool()) return v.get_bool();
  if (v.is_int64()) {
    auto n = v.get_int64();
    if (n == 1) return true;
    if (n == 0) return false;
    return std::nullopt;
  }
  if (v.is_uint64()) return bool_from_number(static_cast<double>(v.get_uint64()));
  if (v.is_double()) return bool_from_number(v.get_double());
  if (v.is_string()) {
    std::string s(v.get_string());
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "true") return true;
    if (lower == "false") return false;
    if (auto n = parse_i64_text(s)) {
      if (*n == 1) return true;
      if (*n == 0) return false;
      return std::nullopt;
    }
    if (auto d = parse_f64_text(s)) return bool_from_number(*d);
  }
  return std::nullopt;
}

std::optional<std::string> parse_string(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return std::nullopt;
}

std::optional<float> parse_f32(const json::value& v) {
  double d = 0;
  if (v.is_double()) d = v.get_double();
  else if (v.is_int64()) d = static_cast<double>(v.get_int64());
  else if (v.is_uint64()) d = static_cast<double>(v.get_uint64());
  else return std::nullopt;
  // Past float's range the value would be stored as infinity and written
  // back as null, which clients (and this reader) refuse: it is as
  // invalid as a string. So is NaN, which Boost.JSON 1.81 makes of a zero
  // with a large exponent ("0e400").
  if (!std::isfinite(d) || std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max()))
    return std::nullopt;
  return static_cast<float>(d);
}

std::optional<std::vector<float>> parse_f32_list(const json::value& v) {
  if (!v.is_array()) return std::nullopt;
  std::vector<float> out;
  out.reserve(v.get_array().size());
  for (const auto& e : v.get_array()) {
    auto f = parse_f32(e);
    if (!f) return std::nullopt;
    out.push_back(*f);
  }
  return out;
}

const json::value* object_reader::find(std::string_view key) {
  known_.emplace(key);
  auto it = o_.find(key);
  return it == o_.end() ? nullptr : &it->value();
}

json::object object_reader::rest() const {
  json::object out;
  for (const auto& kv : o_)
    if (!known_.contains(std::string_view(kv.key()))) out.emplace(kv.key(), kv.value());
  return out;
}

std::unexpected<storage_error> object_reader::missing(std::string_view key) const {
  return fail(storage_errc::invalid, what_ + ": missing field `" + std::string(key) + "`");
}

std::unexpected<storage_error> object_reader::wrong(std::string_view key) const {
  return fail(storage_errc::invalid, what_ + ": invalid value for `" + std::string(key) + "`");
}

result<json::value> parse_json_text(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return fail(storage_errc::invalid, std::string(what) + ": malformed JSON: " + ec.message());
  return v;
}

json::object parse_other(std::string_view bytes, std::span<const std::string_view> reserved) {
  if (bytes.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(bytes, ec);
  if (ec || !v.is_object()) return {};
  json::object o = std::move(v.get_object());
  for (auto key : reserved) o.erase(key);
  return o;
}

std::string other_bytes(const json::object& rest) {
  if (rest.empty()) return {};
  return to_json_text(rest);
}

void merge_other(json::object& out, const json::object& extra) {
  for (const auto& kv : extra)
    if (!out.contains(kv.key())) out.emplace(kv.key(), kv.value());
}

} // namespace ankisync::storage::s11
