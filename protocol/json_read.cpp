#include "protocol/json_read.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace ankisync::protocol::detail {

namespace json = boost::json;

namespace {

// libstdc++ 12 has no std::expected::transform yet.
template <typename To>
field_result<To> narrow(field_result<std::int64_t> r) {
  if (!r) return std::unexpected(std::move(r.error()));
  return static_cast<To>(*r);
}

constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();

// What a value is, for "is a string, expected ..." messages.
std::string_view kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64: return "an integer";
    case json::kind::double_: return "a non-integer number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "unknown";
}

field_error not_a(const json::value& v, std::string_view expected) {
  return problem("is " + std::string(kind_name(v)) + ", expected " + std::string(expected));
}

// Rust's `f64 as i64`: truncate toward zero, saturate, NaN -> 0.
std::int64_t saturating_trunc(double d) {
  if (std::isnan(d)) return 0;
  // 2^63 is exactly representable; anything at or above it saturates.
  if (d >= 9223372036854775808.0) return i64_max;
  if (d < -9223372036854775808.0) return i64_min;
  return static_cast<std::int64_t>(d);
}

} // namespace

field_error problem(std::string text) { return field_error{{}, std::move(text)}; }

field_error at(field_error e, std::string_view key) {
  std::string path(key);
  if (!e.path.empty() && e.path.front() != '[') path += '.';
  e.path = path + e.path;
  return e;
}

field_error at(field_error e, std::size_t index) {
  e.path = "[" + std::to_string(index) + "]" + e.path;
  return e;
}

field_error at(field_error e, std::size_t index, std::string_view column) {
  // Only the innermost position carries the column name.
  if (e.path.empty()) e.problem = "(" + std::string(column) + ") " + e.problem;
  return at(std::move(e), index);
}

sync_error to_sync_error(std::string_view what, const field_error& e) {
  std::string msg(what);
  msg += ": ";
  msg += e.path.empty() ? std::string("payload") : e.path;
  msg += ' ';
  msg += e.problem;
  return make_error(error_code::bad_request, std::move(msg));
}

std::expected<void, sync_error> parse_payload(std::string_view text, std::string_view what,
                                              const std::function<void(const json::value&)>& use) {
  json::parse_options opts;
  opts.max_depth = 128;
  json::error_code ec;
  // One arena per document: a chunk's DOM is thousands of small values,
  // each a malloc and a free otherwise. Lent by plain pointer, the arena
  // tells the DOM that freeing is a no-op, so dropping it skips the walk
  // over every value that a shared resource makes.
  const std::size_t first_block = std::min<std::size_t>(2 * text.size() + 1024, 256 * 1024);
  json::monotonic_resource arena(first_block);
  json::value root = json::parse(json::string_view(text.data(), text.size()), ec,
                                 json::storage_ptr(&arena), opts);
  if (ec)
    return std::unexpected(
        make_error(error_code::bad_request, std::string(what) + ": invalid JSON: " + ec.message()));
  use(root);
  return {};
}

field_result<const json::object*> as_object(const json::value& v) {
  if (const json::object* o = v.if_object()) return o;
  return std::unexpected(not_a(v, "an object"));
}

field_result<const json::array*> as_array(const json::value& v) {
  if (const json::array* a = v.if_array()) return a;
  return std::unexpected(not_a(v, "an array"));
}

field_result<const json::array*> as_tuple(const json::value& v, std::size_t n) {
  auto a = as_array(v);
  if (!a) return a;
  if ((*a)->size() != n)
    return std::unexpected(problem("has " + std::to_string((*a)->size()) + " elements, expected " +
                                   std::to_string(n)));
  return a;
}

field_result<const json::value*> required(const json::object& o, std::string_view key) {
  if (const json::value* v = o.if_contains(json::string_view(key.data(), key.size()))) return v;
  return std::unexpected(at(problem("is missing"), key));
}

const json::value* optional(const json::object& o, std::string_view key) {
  return o.if_contains(json::string_view(key.data(), key.size()));
}

std::size_t size(const json::array& a) { return a.size(); }

const json::value& element(const json::array& a, std::size_t i) { return a[i]; }

field_result<std::int64_t> read_int(const json::value& v, std::int64_t lo, std::int64_t hi,
                                    std::string_view type_name) {
  std::int64_t n = 0;
  if (const std::int64_t* i = v.if_int64()) {
    n = *i;
  } else if (v.is_uint64()) {
    // Boost keeps only values above i64::MAX as uint64: too big for us.
    return std::unexpected(problem("is out of range for " + std::string(type_name)));
  } else {
    return std::unexpected(not_a(v, std::string(type_name) + " integer"));
  }
  if (n < lo || n > hi)
    return std::unexpected(
        problem("is " + std::to_string(n) + ", out of range for " + std::string(type_name)));
  return n;
}

field_result<std::int64_t> read_i64(const json::value& v) {
  return read_int(v, i64_min, i64_max, "i64");
}

field_result<std::int32_t> read_i32(const json::value& v) {
  return narrow<std::int32_t>(read_int(v, std::numeric_limits<std::int32_t>::min(),
                                       std::numeric_limits<std::int32_t>::max(), "i32"));
}

field_result<std::uint32_t> read_u32(const json::value& v) {
  return narrow<std::uint32_t>(read_int(v, 0, std::numeric_limits<std::uint32_t>::max(), "u32"));
}

field_result<std::uint16_t> read_u16(const json::value& v) {
  return narrow<std::uint16_t>(read_int(v, 0, std::numeric_limits<std::uint16_t>::max(), "u16"));
}

field_result<std::uint8_t> read_u8(const json::value& v) {
  return narrow<std::uint8_t>(read_int(v, 0, std::numeric_limits<std::uint8_t>::max(), "u8"));
}

field_result<std::int64_t> read_number_as_i64(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64: return v.get_int64();
    // Upstream tries i64 first, then f64: a huge integer goes through f64
    // and saturates.
    case json::kind::uint64: return i64_max;
    case json::kind::double_: return saturating_trunc(v.get_double());
    default: return std::unexpected(not_a(v, "a number"));
  }
}

field_result<std::int32_t> read_number_as_i32(const json::value& v) {
  // Conversion to a narrower signed type is modular since C++20, as in Rust.
  return narrow<std::int32_t>(read_number_as_i64(v));
}

field_result<std::uint32_t> read_number_as_u32(const json::value& v) {
  auto n = read_number_as_i64(v);
  if (n && *n < 0) *n = 0;
  return narrow<std::uint32_t>(std::move(n));
}

field_result<bool> read_bool(const json::value& v) {
  if (const bool* b = v.if_bool()) return *b;
  return std::unexpected(not_a(v, "a boolean"));
}

field_result<std::string> read_string(const json::value& v) {
  if (const json::string* s = v.if_string()) return std::string(s->data(), s->size());
  return std::unexpected(not_a(v, "a string"));
}

field_result<std::int64_t> parse_decimal_i64(std::string_view s) {
  std::string_view digits = s;
  // from_chars takes '-' but not '+'; Rust takes both.
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  const bool has_digit = !digits.empty() && (digits.front() != '-' || digits.size() > 1);
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (!has_digit || ec != std::errc{} || end != digits.data() + digits.size() ||
      (s.size() > digits.size() && digits.front() == '-'))
    return std::unexpected(problem("is \"" + std::string(s) + "\", not a decimal i64"));
  return n;
}

} // namespace ankisync::protocol::detail
