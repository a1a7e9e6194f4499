#include "storage/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace ankisync::storage {

namespace json = boost::json;

namespace {

void write_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  out += '"';
}

void write_double(std::string& out, double d) {
  // JSON has no NaN or infinity; serde_json writes null for them.
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  bool has_point_or_exp = text.find_first_of(".e") != std::string_view::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // to_chars writes "1e+20"; serde_json writes "1e20".
    if (text[i] == '+' && i > 0 && text[i - 1] == 'e') continue;
    out += text[i];
  }
  // Keeps a double a double for the reader: 10.0, not 10.
  if (!has_point_or_exp) out += ".0";
}

void write(std::string& out, const json::value& v) {
  switch (v.kind()) {
  case json::kind::null: out += "null"; break;
  case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
  case json::kind::int64: out += std::to_string(v.get_int64()); break;
  case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
  case json::kind::double_: write_double(out, v.get_double()); break;
  case json::kind::string: write_string(out, v.get_string()); break;
  case json::kind::array: {
    out += '[';
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out += ',';
      first = false;
      write(out, e);
    }
    out += ']';
    break;
  }
  case json::kind::object: {
    out += '{';
    bool first = true;
    for (const auto& kv : v.get_object()) {
      if (!first) out += ',';
      first = false;
      write_string(out, kv.key());
      out += ':';
      write(out, kv.value());
    }
    out += '}';
    break;
  }
  }
}

} // namespace

std::string to_json_text(const json::value& v) {
  std::string out;
  write(out, v);
  return out;
}

double float_for_json(float f) {
  if (!std::isfinite(f)) return static_cast<double>(f);
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 1, f);
  *end = '\0';
  return std::strtod(buf, nullptr);
}

} // namespace ankisync::storage
