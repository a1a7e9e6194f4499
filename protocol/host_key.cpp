#include "protocol/host_key.hpp"

#include <boost/json.hpp>

namespace ankisync::protocol {

namespace json = boost::json;

namespace {

sync_error bad(std::string_view what, std::string_view detail) {
  return make_error(error_code::bad_request, std::string(what) + ": " + std::string(detail));
}

// Parses `text` and checks it is an object; `what` names the body in errors
// so an operator can tell a login failure from a reply failure.
std::expected<json::object, sync_error> parse_object(std::string_view text, std::string_view what) {
  json::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return std::unexpected(bad(what, "invalid JSON: " + ec.message()));
  if (!v.is_object()) return std::unexpected(bad(what, "not a JSON object"));
  return std::move(v.as_object());
}

std::expected<std::string, sync_error> string_field(const json::object& o, std::string_view key,
                                                    std::string_view what) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (!v) return std::unexpected(bad(what, "missing \"" + std::string(key) + "\""));
  if (!v->is_string()) return std::unexpected(bad(what, "\"" + std::string(key) + "\" is not a string"));
  const json::string& s = v->get_string();
  return std::string(s.data(), s.size());
}

} // namespace

std::expected<host_key_request, sync_error> decode_host_key_request(std::string_view text) {
  constexpr std::string_view what = "bad hostKey body";
  auto obj = parse_object(text, what);
  if (!obj) return std::unexpected(obj.error());
  auto user = string_field(*obj, "u", what);
  if (!user) return std::unexpected(user.error());
  auto pass = string_field(*obj, "p", what);
  if (!pass) return std::unexpected(pass.error());
  return host_key_request{std::move(*user), std::move(*pass)};
}

std::string encode_host_key_request(const host_key_request& r) {
  json::object o;
  o["u"] = json::string_view(r.username.data(), r.username.size());
  o["p"] = json::string_view(r.password.data(), r.password.size());
  return json::serialize(o);
}

std::string encode_host_key_response(std::string_view key) {
  json::object o;
  o["key"] = json::string_view(key.data(), key.size());
  return json::serialize(o);
}

std::expected<std::string, sync_error> decode_host_key_response(std::string_view text) {
  constexpr std::string_view what = "bad hostKey reply";
  auto obj = parse_object(text, what);
  if (!obj) return std::unexpected(obj.error());
  return string_field(*obj, "key", what);
}

} // namespace ankisync::protocol
