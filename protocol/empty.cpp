#include "protocol/empty.hpp"

#include <boost/json.hpp>

#include "protocol/json_read.hpp"

namespace ankisync::protocol {

namespace json = boost::json;
using namespace detail;

namespace {

std::string what(sync_method method, std::string_view kind) {
  return "bad " + std::string(to_string(method)) + " " + std::string(kind);
}

field_result<empty_request> empty_from(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  if (!(*o)->empty()) {
    const auto& first = *(*o)->begin();
    return std::unexpected(
        at(problem("is not allowed (the body must be {})"),
           std::string_view(first.key().data(), first.key().size())));
  }
  return empty_request{};
}

field_result<bool> null_from(const json::value& root) {
  if (!root.is_null()) return std::unexpected(problem("is not null"));
  return true;
}

} // namespace

std::expected<empty_request, sync_error> decode_empty_request(sync_method method,
                                                              std::string_view text) {
  return decode_payload<empty_request>(text, what(method, "body"), empty_from);
}

std::string encode_empty_request() { return "{}"; }

std::string encode_null_response() { return "null"; }

std::expected<void, sync_error> decode_null_response(sync_method method, std::string_view text) {
  auto r = decode_payload<bool>(text, what(method, "reply"), null_from);
  if (!r) return std::unexpected(r.error());
  return {};
}

} // namespace ankisync::protocol
