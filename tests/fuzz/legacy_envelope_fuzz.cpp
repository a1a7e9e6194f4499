// The envelope of clients before 2.1.57: a multipart form (fields k, sk,
// s, v, c and a `data` part, gzipped or raw), and the query string of
// GET /msync/begin. Input: one byte choosing the route, then for a form
// the Content-Type line and the body, for a query the query string.
#include "fuzz_support.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/payload.hpp"
#include "protocol/query_string.hpp"

using namespace ankisync;

namespace {

struct route {
  protocol::request_family family;
  const char* method;
};
constexpr route routes[] = {
    {protocol::request_family::sync, "hostKey"},      {protocol::request_family::sync, "meta"},
    {protocol::request_family::sync, "start"},        {protocol::request_family::sync, "applyChanges"},
    {protocol::request_family::sync, "applyChunk"},   {protocol::request_family::sync, "upload"},
    {protocol::request_family::sync, "download"},     {protocol::request_family::media, "begin"},
    {protocol::request_family::media, "uploadChanges"},
    {protocol::request_family::media, "downloadFiles"}};

void begin_query(std::string_view query) {
  const auto pairs = protocol::parse_query(query);
  // Whatever it split into, written back percent-encoded, splits the same.
  std::string written;
  for (const auto& [k, v] : pairs)
    written += (written.empty() ? "" : "&") + protocol::percent_encode(k) + "=" +
               protocol::percent_encode(v);
  FUZZ_CHECK(protocol::parse_query(written) == pairs);

  auto req = protocol::decode_legacy_begin_query(query);
  if (!req)
    return;
  FUZZ_CHECK(req->family == protocol::request_family::media && req->legacy);
  FUZZ_CHECK(req->media == protocol::media_method::begin);
}

void form(const route& r, std::string_view content_type, std::string_view body_bytes) {
  protocol::envelope_limits limits;
  limits.max_uncompressed = 1 << 20;
  limits.max_data = 256 << 10;
  // Everything stays in memory: the spill to a file is the server's, and
  // bodies here are small.
  limits.max_part_in_memory = 1 << 20;
  protocol::body_source body;
  body.bytes = std::string(body_bytes);
  auto req = protocol::decode_legacy_request(r.family, r.method, content_type, body, limits);
  if (!req)
    return;
  FUZZ_CHECK(req->legacy);
  if (protocol::keeps_body_undecoded(*req))
    return;
  FUZZ_CHECK(req->payload.size() <= protocol::payload_cap(*req, limits));
  // A form we write from what was read reads back the same, unless a
  // value holds the boundary itself (the client's writer, like upstream's,
  // does not look for it).
  for (const auto* v : {&req->host_key, &req->session_key, &req->client_version, &req->payload})
    if (v->find(protocol::legacy_boundary) != std::string::npos)
      return;
  protocol::legacy_form again;
  again.host_key = req->host_key;
  again.session_key = req->session_key;
  again.client_version = req->client_version;
  again.data = req->payload;
  again.compress = false;
  protocol::body_source written;
  written.bytes = protocol::encode_legacy_body(again);
  auto reread = protocol::decode_legacy_request(r.family, r.method,
                                                protocol::legacy_content_type(), written, limits);
  FUZZ_CHECK(reread);
  FUZZ_CHECK(reread->host_key == req->host_key && reread->session_key == req->session_key &&
             reread->client_version == req->client_version);
  // Media begin answers with the client version it was sent; there the
  // `v` field stands for the body.
  if (!(r.family == protocol::request_family::media && r.method == std::string_view("begin")))
    FUZZ_CHECK(reread->payload == req->payload);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  auto rest = fuzz::as_text(data + 1, size - 1);
  const std::size_t which = data[0] % (std::size(routes) + 1);
  if (which == std::size(routes)) {
    begin_query(rest);
    return 0;
  }
  const auto content_type = fuzz::take_line(rest);
  form(routes[which], content_type, rest);
  return 0;
}
