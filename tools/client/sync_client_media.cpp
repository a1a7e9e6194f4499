// /msync calls as each client family makes them (protocol-media.md §2.2).

#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include "protocol/gzip_codec.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/media_json.hpp"
#include "protocol/multipart.hpp"
#include "protocol/query_string.hpp"
#include "tools/client/sync_client.hpp"

namespace ankisync::client {
std::expected<sync_response, std::string> sync_client::media_call(protocol::media_method method,
                                                                  std::string_view body,
                                                                  std::string_view host_key,
                                                                  std::string_view session_key) {
  using protocol::media_method;
  const std::string name(protocol::to_string(method));
  if (!options_.legacy) {
    const std::string begin_body =
        method == media_method::begin ? protocol::encode_media_begin(options_.client_version)
                                      : std::string();
    return call(name, method == media_method::begin ? std::string_view(begin_body) : body,
                host_key, session_key, sync_family::media);
  }

  const bool python = options_.media_style == legacy_media_style::python;
  if (method == media_method::begin && !python) {
    http_request req;
    req.method = "GET";
    req.target = "/msync/begin?k=" + protocol::percent_encode(host_key) +
                 "&v=" + protocol::percent_encode(options_.client_version);
    return raw_response(http_.send(req));
  }

  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<std::string> data;
  if (method == media_method::begin) {
    fields = {{"k", std::string(host_key)}, {"v", options_.client_version}, {"c", "1"}};
    data = protocol::gzip_compress("{}", 6);
  } else if (python) {
    // Python-era clients gzip JSON but send the upload zip as it is.
    const bool gzip = method != media_method::upload_changes;
    fields = {{"sk", std::string(host_key)}, {"c", gzip ? "1" : "0"}};
    data = gzip ? protocol::gzip_compress(body, 6) : std::string(body);
  } else {
    fields = {{"sk", std::string(host_key)}};
    data = std::string(body);
  }
  http_request req;
  req.method = "POST";
  req.target = "/msync/" + name;
  req.headers.emplace_back("content-type", protocol::legacy_content_type());
  req.body = protocol::build_multipart(protocol::legacy_boundary, fields, data);
  return raw_response(http_.send(req));
}

} // namespace ankisync::client
