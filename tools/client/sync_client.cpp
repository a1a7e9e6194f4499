#include "tools/client/sync_client.hpp"

#include <charconv>
#include <limits>

#include "protocol/envelope.hpp"
#include "protocol/host_key.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/zstd_codec.hpp"

namespace ankisync::client {

sync_client::sync_client(std::string host, std::uint16_t port, sync_client_options options)
    : http_(std::move(host), port, options.http), options_(std::move(options)) {}

std::expected<sync_response, std::string> sync_client::call(std::string_view method,
                                                            std::string_view json_body,
                                                            std::string_view host_key,
                                                            std::string_view session_key,
                                                            sync_family family) {
  if (options_.legacy) {
    protocol::legacy_form form;
    form.host_key = std::string(host_key);
    form.session_key = std::string(session_key);
    form.data = std::string(json_body);
    form.compress = true;
    http_request req;
    req.method = "POST";
    req.target = std::string(family == sync_family::sync ? "/sync/" : "/msync/") +
                 std::string(method);
    req.headers.emplace_back("content-type", protocol::legacy_content_type());
    req.body = protocol::encode_legacy_body(form);
    return raw_response(http_.send(req));
  }

  protocol::sync_header header;
  header.version = options_.version;
  header.host_key = std::string(host_key);
  header.client_version = options_.client_version;
  header.session_key = std::string(session_key);

  http_request req;
  req.method = "POST";
  req.target = std::string(family == sync_family::sync ? "/sync/" : "/msync/") +
               std::string(method);
  req.headers.emplace_back(std::string(protocol::sync_header_name),
                           protocol::encode_sync_header(header));
  req.headers.emplace_back("content-type", "application/octet-stream");
  req.body = protocol::zstd_compress(json_body);

  auto resp = http_.send(req);
  if (!resp)
    return std::unexpected(resp.error());

  sync_response out;
  out.status = resp->status;
  out.headers = std::move(resp->headers);
  if (resp->status != 200) {
    out.body = std::move(resp->body);
    return out;
  }

  const std::string* size_header = nullptr;
  for (const auto& [k, v] : out.headers)
    if (k == protocol::original_size_header_name)
      size_header = &v;
  if (!size_header)
    return std::unexpected("200 reply to " + req.target + " without " +
                           std::string(protocol::original_size_header_name));
  std::uint64_t original_size = 0;
  auto [end, ec] = std::from_chars(size_header->data(), size_header->data() + size_header->size(),
                                   original_size);
  if (ec != std::errc{} || end != size_header->data() + size_header->size())
    return std::unexpected(std::string(protocol::original_size_header_name) +
                           " is not a number: '" + *size_header + "'");
  auto body = protocol::zstd_decompress(resp->body, std::numeric_limits<std::uint64_t>::max());
  if (!body)
    return std::unexpected("200 reply to " + req.target +
                           " is not zstd: " + body.error().message);
  if (body->size() != original_size)
    return std::unexpected(std::string(protocol::original_size_header_name) + " says " +
                           std::to_string(original_size) + " bytes, the body has " +
                           std::to_string(body->size()));
  out.body = std::move(*body);
  return out;
}

std::expected<sync_response, std::string> raw_response(
    std::expected<http_response, std::string> resp) {
  if (!resp)
    return std::unexpected(resp.error());
  sync_response out;
  out.status = resp->status;
  out.headers = std::move(resp->headers);
  out.body = std::move(resp->body);
  return out;
}

std::expected<login_response, std::string> sync_client::login(std::string_view user,
                                                              std::string_view password) {
  auto resp = call("hostKey", protocol::encode_host_key_request(
                                  {std::string(user), std::string(password)}));
  if (!resp)
    return std::unexpected(resp.error());
  login_response out;
  out.status = resp->status;
  out.body = std::move(resp->body);
  if (out.status != 200)
    return out;
  auto key = protocol::decode_host_key_response(out.body);
  if (!key)
    return std::unexpected("hostKey reply is not {\"key\": ...}: " + key.error().message);
  out.host_key = std::move(*key);
  return out;
}

} // namespace ankisync::client
