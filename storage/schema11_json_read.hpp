#pragma once

// Reading schema-11 JSON objects with upstream's leniency rules
// (collection-schema.md section 4 conventions; upstream expresses them as
// serde attributes). Used by the notetype, deck and deck config converters.

#include <concepts>
#include <exception>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "storage/json_text.hpp"
#include "storage/storage_error.hpp"

namespace ankisync::storage::s11 {

namespace json = boost::json;

// ---- value parsers: nullopt means "wrong type or out of range" ----

// A JSON integer that fits T. Floats are refused, as serde refuses them for
// integer fields.
template <std::integral T>
std::optional<T> parse_int(const json::value& v) {
  if (v.is_int64()) {
    std::int64_t n = v.get_int64();
    if constexpr (std::is_unsigned_v<T>) {
      if (n < 0 || static_cast<std::uint64_t>(n) > std::numeric_limits<T>::max())
        return std::nullopt;
    } else {
      if (n < std::numeric_limits<T>::min() || n > std::numeric_limits<T>::max())
        return std::nullopt;
    }
    return static_cast<T>(n);
  }
  if (v.is_uint64()) {
    std::uint64_t n = v.get_uint64();
    if (n > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(n);
  }
  return std::nullopt;
}

// A JSON integer or a string holding one (old files store ids as strings).
std::optional<std::int64_t> parse_i64_num_or_str(const json::value& v);
std::optional<std::int32_t> parse_i32_num_or_str(const json::value& v);
std::optional<bool> parse_bool(const json::value& v);
// true/false, 0/1 (also as floats), "true"/"false" in any case, "0"/"1".
std::optional<bool> parse_bool_from_anything(const json::value& v);
std::optional<std::string> parse_string(const json::value& v);
// Any JSON number within float's range, narrowed to float as serde does
// for f32 fields; nullopt for anything else.
std::optional<float> parse_f32(const json::value& v);
std::optional<std::vector<float>> parse_f32_list(const json::value& v);

// Option<T>: null is a valid "absent"; anything else must parse as T.
template <class F>
auto parse_nullable(const json::value& v, F inner) -> std::optional<decltype(inner(v))> {
  using inner_t = decltype(inner(v));
  if (v.is_null()) return std::optional<inner_t>(std::in_place, std::nullopt);
  inner_t r = inner(v);
  if (!r) return std::nullopt;
  return std::optional<inner_t>(std::in_place, std::move(r));
}

// ---- one object, key by key ----

// Wraps a schema-11 object; every key a converter asks for is marked as
// consumed, and `rest()` yields the unknown keys that must survive a round
// trip in the protobuf `other` bytes.
class object_reader {
public:
  object_reader(const json::object& o, std::string what) : o_(o), what_(std::move(what)) {}

  // The value under `key`, or null if missing; marks the key as known.
  const json::value* find(std::string_view key);
  // Marks a key known without reading it (e.g. upstream drops it).
  void skip(std::string_view key) { (void)find(key); }
  // Unknown keys, in input order.
  json::object rest() const;

  std::unexpected<storage_error> missing(std::string_view key) const;
  std::unexpected<storage_error> wrong(std::string_view key) const;

  // Missing or wrong type -> invalid.
  template <class F>
  auto required(std::string_view key, F parse) -> result<typename decltype(parse(json::value()))::value_type> {
    const json::value* v = find(key);
    if (v == nullptr) return missing(key);
    auto r = parse(*v);
    if (!r) return wrong(key);
    return std::move(*r);
  }
  // Missing -> def; wrong type -> invalid (serde `default`).
  template <class F, class T>
  auto optional(std::string_view key, F parse, T def) -> result<typename decltype(parse(json::value()))::value_type> {
    const json::value* v = find(key);
    if (v == nullptr) return def;
    auto r = parse(*v);
    if (!r) return wrong(key);
    return std::move(*r);
  }
  // Missing -> invalid; wrong type -> the type's empty value (serde
  // `default_on_invalid` without `default`).
  template <class F>
  auto required_lenient(std::string_view key, F parse) -> result<typename decltype(parse(json::value()))::value_type> {
    const json::value* v = find(key);
    if (v == nullptr) return missing(key);
    auto r = parse(*v);
    if (!r) return typename decltype(parse(json::value()))::value_type{};
    return std::move(*r);
  }
  // Missing or wrong type -> the type's empty value.
  template <class F>
  auto lenient(std::string_view key, F parse) -> typename decltype(parse(json::value()))::value_type {
    const json::value* v = find(key);
    if (v == nullptr) return {};
    auto r = parse(*v);
    if (!r) return {};
    return std::move(*r);
  }

private:
  const json::object& o_;
  std::string what_;
  std::set<std::string, std::less<>> known_;
};

// The first error among several results read in a row, if any.
template <class... R>
std::optional<storage_error> first_error(const R&... rs) {
  std::optional<storage_error> e;
  ((e = e ? e : (rs ? std::nullopt : std::optional<storage_error>(rs.error()))), ...);
  return e;
}

// Runs a converter so that nothing escapes as an exception: only
// allocation can throw in there, and it becomes an `invalid` error (the
// input was too big to hold).
template <class F>
auto guarded(std::string_view what, F&& body) noexcept -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(storage_errc::invalid, std::string(what) + ": " + e.what());
  } catch (...) {
    return fail(storage_errc::invalid, std::string(what) + ": conversion failed");
  }
}

// JSON text -> value; malformed text is `invalid`. Duplicate keys: the
// last one wins, as in upstream's generic-value parse.
result<json::value> parse_json_text(std::string_view text, std::string_view what);

// ---- writing ----

// `other` bytes -> object, minus the keys the converter writes itself.
// Unparsable or non-object bytes give an empty object, as upstream.
json::object parse_other(std::string_view bytes, std::span<const std::string_view> reserved);
// Unknown keys -> compact JSON bytes; none -> empty bytes.
std::string other_bytes(const json::object& rest);
// Adds `extra` to `out` without overwriting keys `out` already has.
void merge_other(json::object& out, const json::object& extra);

// Rust's `x as u16` etc. for floats: truncates, saturates, NaN -> 0.
template <std::integral T>
T saturating_cast(float f) {
  if (!(f == f)) return 0;
  if (f <= static_cast<float>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (f >= static_cast<float>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(f);
}

// Floats as upstream writes f32 lists (collection-schema.md 7.5).
template <class Range>
json::array f32_list_json(const Range& floats) {
  json::array a;
  for (float f : floats) a.emplace_back(float_for_json(f));
  return a;
}

} // namespace ankisync::storage::s11
