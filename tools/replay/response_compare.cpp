#include "tools/replay/response_compare.hpp"

#include <boost/json.hpp>

namespace ankisync::replay {
namespace {

namespace json = boost::json;

std::optional<json::value> parse(std::string_view text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec)
    return std::nullopt;
  return v;
}

std::string shown(const json::value& v) {
  auto s = json::serialize(v);
  if (s.size() > 200)
    s = s.substr(0, 200) + "...";
  return s;
}

std::optional<std::string> diff(const compare_context& where, const json::value& a,
                                const json::value& b, const std::string& path) {
  if (a.kind() != b.kind()) {
    // 1 and 1.0 are one number to every client.
    if (a.is_number() && b.is_number() && a.to_number<double>() == b.to_number<double>())
      return std::nullopt;
    return path + ": expected " + shown(a) + ", got " + shown(b);
  }
  if (a.is_object()) {
    const auto& x = a.as_object();
    const auto& y = b.as_object();
    for (const auto& [k, v] : x) {
      if (ignored_key(where, k))
        continue;
      auto it = y.find(k);
      if (it == y.end())
        return path + "." + std::string(k) + ": expected " + shown(v) + ", missing";
      if (auto d = diff(where, v, it->value(), path + "." + std::string(k)))
        return d;
    }
    for (const auto& [k, v] : y)
      if (!ignored_key(where, k) && !x.contains(k))
        return path + "." + std::string(k) + ": not expected, got " + shown(v);
    return std::nullopt;
  }
  if (a.is_array()) {
    const auto& x = a.as_array();
    const auto& y = b.as_array();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
      if (auto d = diff(where, x[i], y[i], path + "[" + std::to_string(i) + "]"))
        return d;
    if (x.size() != y.size())
      return path + ": expected " + std::to_string(x.size()) + " elements, got " +
             std::to_string(y.size());
    return std::nullopt;
  }
  if (a != b)
    return path + ": expected " + shown(a) + ", got " + shown(b);
  return std::nullopt;
}

} // namespace

bool ignored_key(const compare_context& where, std::string_view key) {
  const auto& m = where.method;
  if (where.family == "media")
    return key == "sk"; // media begin: the server's session key
  if (m == "hostKey")
    return key == "key"; // the replaying user's own host key
  if (m == "meta")
    // ts: the server's clock; mod: set to "now" by every finish, upload
    // and download; scm: made by the replaying server for a fresh one.
    return key == "ts" || key == "mod" || (where.fresh_collection && key == "scm");
  return false;
}

std::optional<std::string> compare_reply(const compare_context& where,
                                         const recorded_reply& expected,
                                         const recorded_reply& got) {
  if (expected.status != got.status)
    return "status: expected " + std::to_string(expected.status) + ", got " +
           std::to_string(got.status);
  // Error texts are for operators; the status is what clients act on.
  if (expected.status != 200 || expected.binary)
    return std::nullopt;
  // finish answers the new modification time: the replaying server's clock.
  if (where.family == "sync" && where.method == "finish") {
    auto v = parse(got.body);
    if (!v || !v->is_number())
      return "$: expected a number (the new mod), got " + got.body.substr(0, 200);
    return std::nullopt;
  }
  auto a = parse(expected.body);
  if (!a) {
    if (expected.body != got.body)
      return "body: expected \"" + expected.body.substr(0, 200) + "\", got \"" +
             got.body.substr(0, 200) + "\"";
    return std::nullopt;
  }
  auto b = parse(got.body);
  if (!b)
    return "$: expected JSON " + shown(*a) + ", got \"" + got.body.substr(0, 200) + "\"";
  return diff(where, *a, *b, "$");
}

} // namespace ankisync::replay
