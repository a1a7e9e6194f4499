// The v11 request as the router sees it: the path (/sync/..., /msync/...),
// the `anki-sync` header's JSON, and a zstd body decoded under its
// method's cap into the typed request.
// Input: path '\n' header JSON '\n' body.
#include "fuzz_support.hpp"
#include "net/sync_path.hpp"
#include "protocol/envelope.hpp"
#include "protocol/payload.hpp"

using namespace ankisync;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto rest = fuzz::as_text(data, size);
  const auto path = fuzz::take_line(rest);
  const auto header_text = fuzz::take_line(rest);

  const auto where = net::parse_sync_path(path);
  if (where.what == net::sync_path::kind::sync || where.what == net::sync_path::kind::media) {
    // The method name is a piece of the path, not of anything else.
    FUZZ_CHECK(!where.method.empty());
    FUZZ_CHECK(where.method.data() >= path.data() &&
               where.method.data() + where.method.size() <= path.data() + path.size());
  }

  auto header = protocol::parse_sync_header(header_text);
  if (header) {
    // What we write back as a header reads as the same header.
    auto again = protocol::parse_sync_header(protocol::encode_sync_header(*header));
    FUZZ_CHECK(again);
    FUZZ_CHECK(again->version == header->version && again->host_key == header->host_key &&
               again->client_version == header->client_version &&
               again->session_key == header->session_key);
  }
  if (!header || (where.what != net::sync_path::kind::sync &&
                  where.what != net::sync_path::kind::media))
    return 0;

  // Small caps, so bodies near and over them are in reach of the fuzzer.
  protocol::envelope_limits limits;
  limits.max_uncompressed = 1 << 20;
  limits.max_data = 256 << 10;
  limits.max_part_in_memory = 64 << 10;
  const auto family = where.what == net::sync_path::kind::sync ? protocol::request_family::sync
                                                               : protocol::request_family::media;
  protocol::body_source body;
  body.bytes = std::string(rest);
  auto req = protocol::decode_v11_request(family, where.method, *header, body, limits);
  if (!req)
    return 0;
  FUZZ_CHECK(!req->legacy && req->version == header->version);
  if (!protocol::keeps_body_undecoded(*req))
    FUZZ_CHECK(req->payload.size() <= protocol::payload_cap(*req, limits));
  return 0;
}
