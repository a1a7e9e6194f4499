#include "protocol/legacy_envelope.hpp"

#include <boost/json.hpp>

#include "protocol/gzip_codec.hpp"
#include "protocol/payload.hpp"
#include "protocol/multipart.hpp"
#include "protocol/query_string.hpp"
#include "protocol/version.hpp"

namespace ankisync::protocol {
namespace {

bool is_empty(const body_source& part) { return part.file.empty() && part.bytes.empty(); }

} // namespace

std::expected<sync_request, sync_error> decode_legacy_request(request_family family,
                                                              std::string_view method_name,
                                                              std::string_view content_type,
                                                              const body_source& body,
                                                              const envelope_limits& limits) {
  // Resolve the route first: it costs nothing, the body may cost a lot.
  auto req = request_for_route(family, method_name);
  if (!req)
    return req;

  multipart_options options;
  options.text_fields = {"c", "k", "sk", "s", "v"};
  options.file_part = "data";
  options.max_file_part_in_memory = limits.max_part_in_memory;
  auto form = parse_multipart(content_type, body, options);
  if (!form)
    return std::unexpected(form.error());

  // k and sk land in one slot: the last of either in the body wins.
  for (auto& [name, value] : form->fields)
    if (name == "k" || name == "sk")
      req->host_key = value;
  if (auto* s = form->text("s"))
    req->session_key = *s;
  if (auto* v = form->text("v"))
    req->client_version = *v;
  const auto* c = form->text("c");
  const bool gzipped = c && *c != "0";

  req->version = version::v2_timezone;
  req->legacy = true;

  // Missing or empty data is "{}", whatever `c` says.
  body_source data;
  if (form->file && !is_empty(*form->file))
    data = std::move(*form->file);
  const bool empty = is_empty(data);

  if (keeps_body_undecoded(*req)) {
    // A collection file or a media zip: decoded later, straight to disk,
    // by its owner.
    if (empty) {
      req->upload_body.bytes = "{}";
      req->upload_encoding = body_encoding::raw;
    } else {
      req->upload_body = std::move(data);
      req->upload_encoding = gzipped ? body_encoding::gzip : body_encoding::raw;
    }
  } else if (empty) {
    req->payload = "{}";
  } else {
    // Decompressed by decode_payload, under the method's cap. The part as
    // sent is also what the recorder keeps (see wire_body).
    req->wire_body = std::move(data);
    req->wire_encoding = gzipped ? body_encoding::gzip : body_encoding::raw;
  }

  // Media `begin`: a `v` field replaces the JSON body (upstream does so).
  if (family == request_family::media && req->media == media_method::begin && form->text("v")) {
    boost::json::object o;
    o["v"] = *form->text("v");
    req->payload = boost::json::serialize(o);
  }

  req->payload_pending = true;
  if (!limits.defer_payload)
    if (auto decoded = decode_payload(*req, limits); !decoded)
      return std::unexpected(std::move(decoded.error()));
  return req;
}

std::expected<sync_request, sync_error> decode_legacy_begin_query(std::string_view query) {
  std::optional<std::string> key;
  std::optional<std::string> client;
  for (auto& [name, value] : parse_query(query)) {
    std::optional<std::string>* slot = name == "k" ? &key : name == "v" ? &client : nullptr;
    if (!slot)
      continue;
    if (*slot)
      return std::unexpected(
          make_error(error_code::bad_request, "bad begin query: \"" + name + "\" given twice"));
    *slot = std::move(value);
  }
  if (!key || !client)
    return std::unexpected(make_error(error_code::bad_request,
                                      std::string("bad begin query: missing \"") +
                                          (key ? "v" : "k") + "\""));
  sync_request req;
  req.family = request_family::media;
  req.media = media_method::begin;
  req.version = version::v2_timezone;
  req.legacy = true;
  req.begin_query = true;
  req.host_key = std::move(*key);
  req.client_version = *client;
  boost::json::object o;
  o["v"] = *client;
  req.payload = boost::json::serialize(o);
  return req;
}

std::string legacy_content_type(std::string_view boundary) {
  return "multipart/form-data; boundary=" + std::string(boundary);
}

std::string encode_legacy_body(const legacy_form& form, std::string_view boundary) {
  std::vector<std::pair<std::string, std::string>> fields;
  if (!form.host_key.empty())
    fields.emplace_back("k", form.host_key);
  if (!form.session_key.empty())
    fields.emplace_back("s", form.session_key);
  if (!form.client_version.empty())
    fields.emplace_back("v", form.client_version);
  fields.emplace_back("c", form.compress ? "1" : "0");
  std::optional<std::string> data;
  if (form.data)
    data = form.compress ? gzip_compress(*form.data, 6) : *form.data;
  return build_multipart(boundary, fields, data);
}

} // namespace ankisync::protocol
