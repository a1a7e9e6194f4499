#pragma once

// The legacy envelope (sync protocol v8-v10, clients before Anki 2.1.57):
// no `anki-sync` header; the body is multipart/form-data with fields
//   c      "0" or absent: `data` is raw; anything else: `data` is gzip
//   k, sk  host key (sk: old media clients; both fill the same slot, the
//          last one in the body wins)
//   s      session key (legacy desktop omits it on upload/download)
//   v      client version (media `begin` takes it as its JSON body)
//   data   the payload; absent or empty counts as "{}" (AnkiDroid omits
//          it for download)
// Other fields are ignored. Every such request counts as version 10,
// whatever the client is, so replies go back raw (encode_reply_body) and
// full syncs use schema 11.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/envelope.hpp"

namespace ankisync::protocol {

// Decodes a legacy request for `/sync/<method_name>` (or `/msync/...`).
// `content_type` is the request's Content-Type header ("" if absent).
//
// For /sync/upload and /msync/uploadChanges, the `data` part is not
// decoded: it goes to `upload_body` still compressed, with
// `upload_encoding` gzip or raw, for the collection actor to decode
// straight to disk. A large part of a body net/ spilled to
// a file is copied to a file of its own next to it (".part-XXXXXX");
// `upload_body.owner` removes that file when the last copy of the request
// dies, so net/ has nothing more to clean up. For every other method the
// part stays in `wire_body` for decode_payload (protocol/payload.hpp):
// gunzipped under the method's cap and, for /sync methods, decoded with
// decode_sync_body; at once unless limits.defer_payload.
//
// Errors (bad_request): unknown method; "multipart" when the body is not
// multipart/form-data; "invalid multipart: ..."; "invalid gzip: ..."; a
// payload the method does not accept; payload_too_large past the
// method's cap. server_error for I/O on our files.
std::expected<sync_request, sync_error> decode_legacy_request(request_family family,
                                                              std::string_view method_name,
                                                              std::string_view content_type,
                                                              const body_source& body,
                                                              const envelope_limits& limits);

// `GET /msync/begin?k=<host key>&v=<client version>`, as the 2.1.22-2.1.56
// Rust syncer opens a media sync. `query` is the part after '?'; values
// are form-urlencoded ('+' is a space, %XX a byte; a malformed escape is
// kept as it is). The request is a legacy one (version 10) with `{"v": v}`
// as its payload. Errors: bad_request when k or v is missing or repeated.
std::expected<sync_request, sync_error> decode_legacy_begin_query(std::string_view query);

// The fields of a legacy request with their values, as a client builds
// them (for the reference client and tests): k/s/c/v when non-empty, then
// `data`. `compress` gzips `data` (level 6) and sets c=1, else c=0.
struct legacy_form {
  std::string host_key;    // sent as "k"
  std::string session_key; // "s"
  std::string client_version; // "v"
  std::optional<std::string> data;
  bool compress = true;
};
inline constexpr std::string_view legacy_boundary = "Anki-sync-boundary";
std::string legacy_content_type(std::string_view boundary = legacy_boundary);
std::string encode_legacy_body(const legacy_form& form,
                               std::string_view boundary = legacy_boundary);

} // namespace ankisync::protocol
