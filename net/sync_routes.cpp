#include "net/sync_routes.hpp"

#include <memory>
#include <string_view>

#include "net/http_status.hpp"
#include "net/sync_path.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/version.hpp"

namespace ankisync::net {
namespace {

using protocol::error_code;
using protocol::make_error;

http_response ok_response(const protocol::sync_reply& reply, std::uint8_t version) {
  http_response r;
  if (!reply.body_file.empty()) {
    // Already encoded for the wire by whoever wrote the file: zstd for
    // v11, raw bytes for a legacy (v < 11) request.
    r.body_file = reply.body_file;
    if (protocol::version::uses_zstd(version))
      r.headers.emplace_back(std::string(protocol::original_size_header_name),
                             std::to_string(reply.body_file_original_size));
    else
      r.headers.emplace_back("content-type", "application/octet-stream");
    r.user = reply.user; // raw: the request log escapes it
    return r;
  }
  auto wire = protocol::encode_reply_body(reply, version);
  r.status = 200;
  if (wire.has_original_size)
    r.headers.emplace_back(std::string(protocol::original_size_header_name),
                           std::to_string(wire.original_size));
  else
    r.headers.emplace_back("content-type", "application/octet-stream");
  r.body = std::move(wire.bytes);
  r.user = reply.user; // raw: the request log escapes it
  return r;
}

struct route {
  protocol::request_family family;
  std::string_view method_name;
};

// Decides what a path is, or answers it directly (health, 404, 405, and
// 500 when the proxy named by SYNC_IP_HEADER did not say who the client is).
std::expected<route, http_response> classify(const http_request& req) {
  const auto where = parse_sync_path(std::string_view(req.target).substr(0, req.target.find('?')));
  const bool is_post = req.method == "POST";
  switch (where.what) {
  case sync_path::kind::health:
    if (req.method == "GET" || req.method == "HEAD")
      return std::unexpected(http_response()); // 200, empty
    return std::unexpected(
        error_response(make_error(error_code::method_not_allowed, "use GET for /health")));
  case sync_path::kind::sync:
    if (!is_post)
      return std::unexpected(error_response(
          make_error(error_code::method_not_allowed, "sync methods take POST")));
    break;
  case sync_path::kind::media:
    // Media clients may open a media session with a GET.
    if (!is_post && !(where.method == "begin" && req.method == "GET"))
      return std::unexpected(error_response(
          make_error(error_code::method_not_allowed, "media methods take POST")));
    break;
  case sync_path::kind::unknown:
    return std::unexpected(error_response(make_error(error_code::not_found, "no such route")));
  }
  if (req.client_ip_missing)
    return std::unexpected(error_response(make_error(
        error_code::server_error, "missing client address: the proxy did not send the header "
                              "SYNC_IP_HEADER names")));
  return route{where.what == sync_path::kind::sync ? protocol::request_family::sync
                                                   : protocol::request_family::media,
               where.method};
}

http_response::transfer_kind transfer_of(const protocol::sync_request& req) {
  if (req.family != protocol::request_family::sync)
    return http_response::transfer_kind::none;
  if (req.method == protocol::sync_method::upload)
    return http_response::transfer_kind::full_upload;
  if (req.method == protocol::sync_method::download)
    return http_response::transfer_kind::full_download;
  return http_response::transfer_kind::none;
}

} // namespace

request_handler make_sync_routes(sync_backend backend, protocol::envelope_limits limits) {
  return [backend = std::move(backend), limits](http_request&& req, respond_fn respond) {
    auto where = classify(req);
    if (!where)
      return respond(std::move(where.error()));

    std::expected<protocol::sync_request, protocol::sync_error> decoded;
    if (const auto* header = req.header(protocol::sync_header_name)) {
      auto parsed = protocol::parse_sync_header(*header);
      if (!parsed)
        return respond(error_response(parsed.error()));
      decoded = protocol::decode_v11_request(where->family, where->method_name, *parsed,
                                             std::move(req.body), limits);
    } else if (req.method == "GET") {
      // Only /msync/begin gets here (classify): Anki 2.1.22-2.1.56 opens a
      // media sync with its host key and version in the query string.
      const auto q = req.target.find('?');
      if (q == std::string::npos)
        return respond(error_response(
            make_error(error_code::bad_request, "bad begin query: no query string")));
      decoded = protocol::decode_legacy_begin_query(std::string_view(req.target).substr(q + 1));
    } else {
      // Clients before 2.1.57 (protocol v8-v10) send multipart forms; the
      // request counts as v10, so its reply goes back raw. A large `data`
      // part copied to a file of its own is removed by the request itself
      // (upload_body.owner) once the last copy of it is gone.
      const auto* content_type = req.header("content-type");
      decoded = protocol::decode_legacy_request(where->family, where->method_name,
                                                content_type ? *content_type : std::string(),
                                                req.body, limits);
    }
    if (!decoded)
      return respond(error_response(decoded.error()));
    decoded->client_ip = req.peer_ip;

    // For the request's log line and metrics, whatever the answer.
    auto tag = [client = decoded->client_version, session = decoded->session_key,
                transfer = transfer_of(*decoded)](http_response r, bool ok) {
      r.client_version = client;
      r.session = session;
      if (ok)
        r.transfer = transfer;
      return r;
    };
    const auto version = decoded->version;
    backend(std::move(*decoded), [respond, version, tag](sync_result result) {
      if (!result)
        return respond(tag(error_response(result.error(), result.error().user), false));
      respond(tag(ok_response(*result, version), true));
    });
  };
}

} // namespace ankisync::net
