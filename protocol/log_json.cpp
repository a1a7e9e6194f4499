#include "protocol/log_json.hpp"

#include <boost/json.hpp>

namespace ankisync::protocol {

namespace json = boost::json;

namespace {

// Length of the UTF-8 sequence at the start of `s`, or 0 if none is there
// (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_sequence(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2))
      return 0;
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) > 0x9F))
      return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3))
      return 0;
    if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) > 0x8F))
      return 0;
    return 4;
  }
  return 0;
}

json::string str(std::string_view text) {
  auto v = valid_utf8(text);
  return json::string(v.data(), v.size());
}

} // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const auto n = utf8_sequence(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    }
  }
  return out;
}

std::string encode_request_log(const request_log_fields& f) {
  json::object o;
  o["msg"] = "request";
  o["listener"] = str(f.listener);
  o["client_ip"] = str(f.client_ip);
  o["method"] = str(f.method);
  o["uri"] = str(f.uri);
  if (!f.user.empty())
    o["user"] = str(f.user);
  if (!f.client_version.empty())
    o["client_version"] = str(f.client_version);
  if (!f.session.empty())
    o["session"] = str(f.session);
  o["elapsed_ms"] = f.elapsed_ms;
  if (f.status != 0)
    o["status"] = f.status;
  o["bytes_in"] = f.bytes_in;
  o["bytes_out"] = f.bytes_out;
  if (f.cut)
    o["cut"] = true;
  if (!f.reason.empty())
    o["reason"] = str(f.reason);
  return json::serialize(o);
}

std::string encode_log_line(std::string_view ts, std::string_view level, std::string_view message) {
  json::object o;
  o["ts"] = str(ts);
  o["level"] = str(level);
  o["msg"] = str(message);
  return json::serialize(o);
}

std::string encode_log_line_with(std::string_view ts, std::string_view level,
                                 std::string_view object) {
  json::object o;
  o["ts"] = str(ts);
  o["level"] = str(level);
  auto head = json::serialize(o);
  // Both are objects we wrote: "{...}" + "{...}" -> "{..., ...}".
  if (object.size() <= 2)
    return head;
  head.pop_back();
  head += ',';
  head.append(object.substr(1));
  return head;
}

} // namespace ankisync::protocol
