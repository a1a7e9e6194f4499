#pragma once

// Private to protocol/*.cpp: the strict and lenient readers every phase
// decoder shares, so that "what upstream's serde accepts" is written down
// once. Only the Boost.JSON forward declarations leak in here; never
// include this from a public header.

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol::detail {

// A decode failure somewhere inside a body. The path is built on the way
// out (innermost segment first), so the happy path never formats strings.
struct field_error {
  std::string path;    // e.g. "chunk.cards[3][7]"; empty = the whole payload
  std::string problem; // e.g. "is not an integer"
};

template <typename T>
using field_result = std::expected<T, field_error>;

field_error problem(std::string problem);
// Prepend an object key / array index to the path.
field_error at(field_error e, std::string_view key);
field_error at(field_error e, std::size_t index);
// Positional rows: "[7] (queue) is ..." names the column as well.
field_error at(field_error e, std::size_t index, std::string_view column);

// "<what>: <path> <problem>", e.g. "bad applyChunk body: chunk.done is not
// a boolean". `what` is "bad <method> body" or "bad <method> reply".
sync_error to_sync_error(std::string_view what, const field_error& e);

// Parses a whole payload and hands its root to `use`. Nesting is allowed
// as deep as serde_json allows (128), deeper than Boost's default of 32,
// because notetype and config JSON is arbitrary client data. The DOM
// lives only during `use`.
std::expected<void, sync_error> parse_payload(
    std::string_view text, std::string_view what,
    const std::function<void(const boost::json::value&)>& use);

// parse_payload returning what `use` returns (a std::expected<R, sync_error>).
template <typename R, typename Use>
std::expected<R, sync_error> with_payload(std::string_view text, std::string_view what, Use use) {
  std::optional<std::expected<R, sync_error>> out;
  auto parsed = parse_payload(text, what, [&](const boost::json::value& root) { out.emplace(use(root)); });
  if (!parsed) return std::unexpected(parsed.error());
  return std::move(*out);
}

// Parses `text` and hands the root to `from` (a function returning a
// field_result<T>), turning its failure into a bad_request naming `what`.
template <typename T, typename From>
std::expected<T, sync_error> decode_payload(std::string_view text, std::string_view what,
                                            From from) {
  return with_payload<T>(text, what, [&](const auto& root) -> std::expected<T, sync_error> {
    auto r = from(root);
    if (!r) return std::unexpected(to_sync_error(what, r.error()));
    return T(std::move(*r));
  });
}

field_result<const boost::json::object*> as_object(const boost::json::value& v);
field_result<const boost::json::array*> as_array(const boost::json::value& v);
// Array of exactly `n` elements (serde's tuple structs refuse more or fewer).
field_result<const boost::json::array*> as_tuple(const boost::json::value& v, std::size_t n);

// The value under `key`; a missing key is an error naming it.
field_result<const boost::json::value*> required(const boost::json::object& o,
                                                 std::string_view key);
// The value under `key`, or nullptr when absent.
const boost::json::value* optional(const boost::json::object& o, std::string_view key);

std::size_t size(const boost::json::array& a);
const boost::json::value& element(const boost::json::array& a, std::size_t i);

// Strict readers, as serde reads Rust integer types: a JSON integer that
// fits [lo, hi]. Floats (even 5.0), strings and booleans are errors.
field_result<std::int64_t> read_int(const boost::json::value& v, std::int64_t lo, std::int64_t hi,
                                    std::string_view type_name);
field_result<std::int64_t> read_i64(const boost::json::value& v);
field_result<std::int32_t> read_i32(const boost::json::value& v);
field_result<std::uint32_t> read_u32(const boost::json::value& v);
field_result<std::uint16_t> read_u16(const boost::json::value& v);
field_result<std::uint8_t> read_u8(const boost::json::value& v);

// Upstream's deserialize_int_from_number (rslib/src/serde.rs): an integer,
// or a float truncated toward zero (saturating, as Rust's `as`); integers
// above i64::MAX saturate too. The narrowing to the target type is left to
// the callers below, which mirror upstream's FromI64 impls.
field_result<std::int64_t> read_number_as_i64(const boost::json::value& v);
// FromI64 for i32: two's-complement wrap (Rust `as`).
field_result<std::int32_t> read_number_as_i32(const boost::json::value& v);
// FromI64 for u32: negatives become 0, then wrap (Rust `max(0) as u32`).
field_result<std::uint32_t> read_number_as_u32(const boost::json::value& v);

field_result<bool> read_bool(const boost::json::value& v);
field_result<std::string> read_string(const boost::json::value& v);

// Rust's `str::parse::<i64>`: optional sign ('+' or '-'), then one or more
// ASCII digits, nothing else, in range.
field_result<std::int64_t> parse_decimal_i64(std::string_view s);

// Reads the keys of one object in turn. After the first failure the rest
// are skipped, so a decoder reads everything and checks error() once.
class object_reader {
public:
  explicit object_reader(const boost::json::object& o) : o_(o) {}

  // A required key.
  template <typename T, typename Read>
  object_reader& req(std::string_view key, Read read, T& out) {
    if (error_) return *this;
    const boost::json::value* v = optional(o_, key);
    if (!v) {
      error_ = at(problem("is missing"), key);
      return *this;
    }
    return take(key, read(*v), out);
  }

  // An optional key: absent leaves `out` as it is (null is not absent:
  // serde's `default` only covers a missing key).
  template <typename T, typename Read>
  object_reader& opt(std::string_view key, Read read, T& out) {
    if (error_) return *this;
    const boost::json::value* v = optional(o_, key);
    if (!v) return *this;
    return take(key, read(*v), out);
  }

  const std::optional<field_error>& error() const { return error_; }

private:
  template <typename T, typename Result>
  object_reader& take(std::string_view key, Result&& r, T& out) {
    if (r) out = std::move(*r);
    else error_ = at(std::move(r.error()), key);
    return *this;
  }

  const boost::json::object& o_;
  std::optional<field_error> error_;
};

// Reads the columns of one positional row (serde_tuple) in order; errors
// name the index and the column.
class row_reader {
public:
  explicit row_reader(const boost::json::array& a) : a_(a), size_(size(a)) {}

  template <typename T, typename Read>
  row_reader& col(std::string_view name, Read read, T& out) {
    if (error_) return *this;
    if (next_ >= size_) {
      error_ = at(problem("is missing"), next_, name);
      return *this;
    }
    auto r = read(element(a_, next_));
    if (r) out = std::move(*r);
    else error_ = at(std::move(r.error()), next_, name);
    ++next_;
    return *this;
  }

  // A trailing column serde fills with its default when the row ends early.
  template <typename T, typename Read>
  row_reader& col_or_default(std::string_view name, Read read, T& out) {
    if (next_ >= size_) return *this;
    return col(name, read, out);
  }

  const std::optional<field_error>& error() const { return error_; }

private:
  const boost::json::array& a_;
  std::size_t size_;
  std::size_t next_ = 0;
  std::optional<field_error> error_;
};

} // namespace ankisync::protocol::detail
