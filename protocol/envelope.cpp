#include "protocol/envelope.hpp"

#include <boost/json.hpp>

#include "protocol/payload.hpp"
#include "protocol/version.hpp"
#include "protocol/zstd_codec.hpp"

namespace ankisync::protocol {

namespace json = boost::json;

namespace {

sync_error bad_header(std::string_view detail) {
  return make_error(error_code::bad_request, "bad sync header: " + std::string(detail));
}

std::expected<std::string, sync_error> header_string(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (!v) return std::unexpected(bad_header(std::string("missing \"") + key + "\""));
  if (!v->is_string()) return std::unexpected(bad_header(std::string("\"") + key + "\" is not a string"));
  const json::string& s = v->get_string();
  return std::string(s.data(), s.size());
}

// "v" is a u8 upstream: anything that does not fit is a malformed header,
// while a fitting number outside 8..11 is a version we do not speak.
std::expected<std::uint8_t, sync_error> header_version(const json::object& o) {
  const json::value* v = o.if_contains("v");
  if (!v) return std::unexpected(bad_header("missing \"v\""));
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    // Only values above INT64_MAX are stored as uint64.
    return std::unexpected(bad_header("\"v\" out of range"));
  } else {
    return std::unexpected(bad_header("\"v\" is not an integer"));
  }
  if (n < 0 || n > 255) return std::unexpected(bad_header("\"v\" out of range"));
  return static_cast<std::uint8_t>(n);
}

} // namespace

bool keeps_body_undecoded(const sync_request& req) {
  return req.family == request_family::sync ? req.method == sync_method::upload
                                            : req.media == media_method::upload_changes;
}

std::expected<sync_request, sync_error> request_for_route(request_family family,
                                                          std::string_view name) {
  sync_request req;
  req.family = family;
  if (family == request_family::media) {
    auto m = parse_media_method(name);
    if (!m) return std::unexpected(make_error(error_code::bad_request,
                                              "unknown media method: " + std::string(name)));
    req.media = *m;
  } else {
    auto m = parse_sync_method(name);
    if (!m) return std::unexpected(make_error(error_code::bad_request,
                                              "unknown sync method: " + std::string(name)));
    req.method = *m;
    // The one method whose body is never decoded as JSON.
    if (req.method == sync_method::upload)
      req.body = upload_request{};
  }
  return req;
}

std::expected<sync_header, sync_error> parse_sync_header(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return std::unexpected(bad_header("invalid JSON: " + ec.message()));
  if (!v.is_object()) return std::unexpected(bad_header("not a JSON object"));
  const json::object& o = v.get_object();

  auto version = header_version(o);
  if (!version) return std::unexpected(version.error());
  auto key = header_string(o, "k");
  if (!key) return std::unexpected(key.error());
  auto client = header_string(o, "c");
  if (!client) return std::unexpected(client.error());
  auto session = header_string(o, "s");
  if (!session) return std::unexpected(session.error());

  // Checked after the shape so that a malformed header is reported as such
  // even when its version is also wrong.
  if (!version::is_supported(*version))
    return std::unexpected(make_error(error_code::bad_request,
                                      "unsupported sync version: " + std::to_string(*version)));

  return sync_header{*version, std::move(*key), std::move(*client), std::move(*session)};
}

std::string encode_sync_header(const sync_header& h) {
  json::object o;
  o["v"] = static_cast<std::int64_t>(h.version);
  o["k"] = json::string_view(h.host_key.data(), h.host_key.size());
  o["c"] = json::string_view(h.client_version.data(), h.client_version.size());
  o["s"] = json::string_view(h.session_key.data(), h.session_key.size());
  return json::serialize(o);
}

std::expected<sync_request, sync_error> decode_v11_request(request_family family,
                                                           std::string_view method_name,
                                                           const sync_header& header,
                                                           body_source body,
                                                           const envelope_limits& limits) {
  auto req = request_for_route(family, method_name);
  if (!req) return req;

  if (keeps_body_undecoded(*req)) {
    // A collection file or a media zip: decompressed later, straight to
    // disk, by its owner.
    req->upload_body = std::move(body);
    req->upload_encoding = body_encoding::zstd;
  } else {
    req->wire_body = std::move(body);
    req->wire_encoding = body_encoding::zstd;
  }

  req->version = header.version;
  req->legacy = false;
  req->host_key = header.host_key;
  req->session_key = header.session_key;
  req->client_version = header.client_version;

  req->payload_pending = true;
  if (!limits.defer_payload)
    if (auto decoded = decode_payload(*req, limits); !decoded)
      return std::unexpected(std::move(decoded.error()));
  return req;
}

wire_body encode_reply_body(const sync_reply& reply, std::uint8_t v) {
  wire_body out;
  if (version::uses_zstd(v)) {
    out.bytes = zstd_compress(reply.body);
    out.original_size = reply.body.size();
    out.has_original_size = true;
  } else {
    out.bytes = reply.body;
  }
  return out;
}

std::string error_body(int http_status, const sync_error& error) {
  std::string out = std::to_string(http_status);
  if (!error.message.empty()) {
    out += ' ';
    out += error.message;
  }
  return out;
}

} // namespace ankisync::protocol
