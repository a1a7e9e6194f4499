#pragma once

// A request's decompressed body, decoded only once its sender is known:
// net/ leaves the body as it arrived (sync_request::payload_pending), the
// gateway checks the host key, and only then is the body decompressed,
// under a cap fitting what its method can legitimately carry. A stranger's
// body is never decompressed, and nobody's grows past its method's cap.

#include <cstdint>
#include <expected>

#include "protocol/envelope.hpp"

namespace ankisync::protocol {

// The size classes of request bodies (the table in payload.cpp names each
// method's; docs/profiles.md, "Request body limits", lists them).
enum class payload_class {
  tiny,   // a few fields: a login, meta, the empty bodies, a sanity count
  names,  // a list of media file names (downloadFiles)
  data,   // the client's rows and objects: envelope_limits::max_data
  upload, // a collection or a media zip, streamed to disk: max_uncompressed
};

inline constexpr std::uint64_t tiny_payload_bytes = 8 * 1024;
inline constexpr std::uint64_t names_payload_bytes = 256 * 1024;

payload_class payload_class_of(const sync_request& req);
// The most bytes `req`'s body may decompress to under `limits`.
std::uint64_t payload_cap(const sync_request& req, const envelope_limits& limits);

// Decompresses the body of a request with payload_pending into `payload`
// and, for /sync methods, decodes its typed `body`; nothing for a request
// already decoded (or one whose body stays undecoded, an upload).
// Errors: payload_too_large when the body decompresses past its cap;
// bad_request for a bad stream or a body the method does not accept;
// server_error when net/'s body file cannot be read.
std::expected<void, sync_error> decode_payload(sync_request& req, const envelope_limits& limits);

} // namespace ankisync::protocol
