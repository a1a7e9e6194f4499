#pragma once

// The typed body of a /sync request, decoded from its JSON payload. Shared
// by both envelopes: v11 (header + zstd) and legacy (multipart + gzip).

#include <expected>
#include <string_view>
#include <variant>

#include "protocol/changes.hpp"
#include "protocol/chunk.hpp"
#include "protocol/empty.hpp"
#include "protocol/graves.hpp"
#include "protocol/host_key.hpp"
#include "protocol/meta.hpp"
#include "protocol/methods.hpp"
#include "protocol/sanity.hpp"
#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// One alternative per /sync method. monostate: not decoded yet (a body
// deferred until the host key is known), or a media request (/msync
// bodies are decoded by their handlers, actors/sync/media_requests.hpp).
using request_body =
    std::variant<std::monostate, host_key_request, meta_request, start_request,
                 apply_graves_request, apply_changes_request, chunk_request, apply_chunk_request,
                 sanity_request, finish_request, abort_request, upload_request, download_request>;

// Decodes `payload` (already decompressed) as the body of `method`:
//   hostKey -> host_key_request      meta -> meta_request
//   start -> start_request           applyGraves -> apply_graves_request
//   applyChanges -> apply_changes_request
//   applyChunk -> apply_chunk_request sanityCheck2 -> sanity_request
//   chunk, finish, abort, download -> chunk_request, ... (payload must be {})
//   upload -> upload_request (not parsed; request_for_route sets it too)
// Error: bad_request naming the method and the offending key/position.
std::expected<request_body, sync_error> decode_sync_body(sync_method method,
                                                         std::string_view payload);

} // namespace ankisync::protocol
