#include "protocol/json_write.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>

namespace ankisync::protocol::detail {

namespace json = boost::json;

void append_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s, plain_from, i - plain_from);
    plain_from = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
    }
  }
  out.append(s, plain_from, std::string_view::npos);
  out += '"';
}

void append_int(std::string& out, std::int64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

void append_uint(std::string& out, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

void append_bool(std::string& out, bool b) { out += b ? "true" : "false"; }

void append_key(std::string& out, std::string_view key) {
  append_string(out, key);
  out += ':';
}

namespace {

bool append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return false;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
  return true;
}

} // namespace

bool write_compact(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; return true;
    case json::kind::bool_: append_bool(out, v.get_bool()); return true;
    case json::kind::int64: append_int(out, v.get_int64()); return true;
    case json::kind::uint64: append_uint(out, v.get_uint64()); return true;
    case json::kind::double_: return append_double(out, v.get_double());
    case json::kind::string: {
      const json::string& s = v.get_string();
      append_string(out, std::string_view(s.data(), s.size()));
      return true;
    }
    case json::kind::array: {
      bool finite = true;
      out += '[';
      bool first = true;
      for (const json::value& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        finite = write_compact(out, e) && finite;
      }
      out += ']';
      return finite;
    }
    case json::kind::object: {
      bool finite = true;
      out += '{';
      bool first = true;
      for (const json::key_value_pair& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        append_key(out, std::string_view(kv.key().data(), kv.key().size()));
        finite = write_compact(out, kv.value()) && finite;
      }
      out += '}';
      return finite;
    }
  }
  return true;
}

} // namespace ankisync::protocol::detail
