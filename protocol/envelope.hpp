#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <optional>
#include <variant>

#include "protocol/body_source.hpp"
#include "protocol/host_key.hpp"
#include "protocol/methods.hpp"
#include "protocol/sync_body.hpp"
#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// Name of the v11 request header carrying the JSON envelope.
inline constexpr std::string_view sync_header_name = "anki-sync";
// Name of the v11 response header carrying the uncompressed body length.
inline constexpr std::string_view original_size_header_name = "anki-original-size";

// The `anki-sync` header of a v11 request: all four keys are required.
struct sync_header {
  std::uint8_t version = 0;   // "v"
  std::string host_key;       // "k" ("" for hostKey)
  std::string client_version; // "c"
  std::string session_key;    // "s"
};

// Parses the header JSON. Errors: bad_request "bad sync header" when it is
// not an object with the four keys of the right types; bad_request
// "unsupported sync version: N" when v is outside 8..11.
std::expected<sync_header, sync_error> parse_sync_header(std::string_view json);
std::string encode_sync_header(const sync_header& h);

struct envelope_limits {
  // A full upload or a media zip decompresses to at most this many bytes,
  // straight to disk (payload.max_megs x 3, as upstream).
  std::uint64_t max_uncompressed = 300ull << 20;
  // The rows and objects a client sends during a normal sync (start,
  // applyGraves, applyChanges, applyChunk) decompress to at most this many
  // bytes (payload.max_json_megs); every other method has a small fixed
  // cap (protocol/payload.hpp).
  std::uint64_t max_data = 100ull << 20;
  // Legacy multipart: a `data` part larger than this, in a body net/
  // spilled to a file, is copied to a file of its own instead of memory.
  std::uint64_t max_part_in_memory = 1ull << 20;
  // Leave the body compressed (sync_request::payload_pending) for
  // decode_payload once the host key is known: the server never
  // decompresses a stranger's body. Off: decoded at once, under the same caps.
  bool defer_payload = false;
};

// Which of the two URL families a request came in on.
enum class request_family { sync, media };

// A decoded request, ready for the actor world: no HTTP, no JSON values.
struct sync_request {
  request_family family = request_family::sync;
  sync_method method = sync_method::meta;          // when family == sync
  media_method media = media_method::begin;        // when family == media
  std::uint8_t version = 0;
  bool legacy = false; // came as multipart (then version is always 10)
  std::string host_key;
  std::string session_key;
  std::string client_version;
  std::string client_ip;
  // Decompressed payload: JSON for every method but /sync/upload and
  // /msync/uploadChanges.
  std::string payload;
  // /sync/upload and /msync/uploadChanges only: the body still compressed
  // as it arrived (in memory or in net/'s temp file, which lives until the
  // reply is written), so a large collection or media zip is decompressed
  // straight to disk, never into memory. For a legacy request it is the
  // multipart `data` part: in memory, or a file of its own that
  // `upload_body.owner` removes when the last copy dies. Decode it with
  // decode_body_to_file (protocol/body_file.hpp).
  body_source upload_body;
  body_encoding upload_encoding = body_encoding::raw; // zstd (v11); gzip or raw (legacy)
  // Every other method: the body as it arrived, before `payload` was
  // decoded from it, for the recorder (docs/replay.md), which keeps the
  // bytes the client sent in the client's own framing. v11: the HTTP body
  // (in memory, or net/'s temp file); legacy: the multipart `data` part,
  // empty when there was none. The gateway drops it for users who are
  // not recorded.
  body_source wire_body;
  body_encoding wire_encoding = body_encoding::raw;
  // GET /msync/begin?k=..&v=.. (Anki 2.1.22-2.1.56): no body at all.
  bool begin_query = false;
  // Typed body of every /sync method (see decode_sync_body): its
  // alternative names the method; monostate for media methods and for a
  // body still to be decoded (payload_pending).
  request_body body;
  // With envelope_limits::defer_payload: `payload` and `body` are still
  // to be decoded from `wire_body` (protocol/payload.hpp), which happens
  // only after the host key named a user (hostKey: before the login), so
  // an unknown key gets 403 whatever the body, as upstream answers.
  bool payload_pending = false;
};

// True for the methods whose body stays undecoded in `upload_body`
// (/sync/upload and /msync/uploadChanges).
bool keeps_body_undecoded(const sync_request& req);

// An empty request for `/sync/<method_name>` or `/msync/<method_name>`.
// Error: bad_request "unknown sync method: X" / "unknown media method: X".
std::expected<sync_request, sync_error> request_for_route(request_family family,
                                                          std::string_view method_name);

// Decodes a v11 request: header already parsed, body zstd-compressed
// (taken over: it ends in upload_body or wire_body). Unless
// limits.defer_payload, the payload is decoded too (decode_payload), with
// its errors: bad_request on zstd failure or a body that is not valid for
// the method (e.g. hostKey without "u"/"p", chunk with anything but {}),
// payload_too_large past the method's cap.
std::expected<sync_request, sync_error> decode_v11_request(request_family family,
                                                           std::string_view method_name,
                                                           const sync_header& header,
                                                           body_source body,
                                                           const envelope_limits& limits);

// What the actor world answers to a request.
struct sync_reply {
  std::string body; // uncompressed: JSON, "OK", or raw bytes
  std::string user; // who made the request, for the request log line
  // A reply too large for memory (a full download): this file holds the
  // body, already encoded for the wire (zstd for v11, raw bytes for a
  // legacy request, version < 11); `body` is unused.
  // net/ sends it and then deletes it.
  std::string body_file;
  std::uint64_t body_file_original_size = 0; // anki-original-size for v11
};

// The bytes that go on the wire for a successful reply.
struct wire_body {
  std::string bytes;
  // Set for v11 replies: the value of anki-original-size.
  std::uint64_t original_size = 0;
  bool has_original_size = false;
};

// v >= 11: zstd of the body plus the original size; below: the raw body.
wire_body encode_reply_body(const sync_reply& reply, std::uint8_t version);

// Error bodies are never compressed. Upstream sends just the status digits;
// we add the reason after them, which clients ignore and operators read.
std::string error_body(int http_status, const sync_error& error);

} // namespace ankisync::protocol
