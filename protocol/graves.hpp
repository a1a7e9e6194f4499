#pragma once

// Deletions: /sync/start (which answers with the server's graves and, for
// old clients, also carries the client's) and /sync/applyGraves.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// Ids of deleted objects: {"cards":[...],"decks":[...],"notes":[...]}, all
// three keys always present.
struct graves_entry {
  std::vector<std::int64_t> cards;
  std::vector<std::int64_t> notes;
  std::vector<std::int64_t> decks;
};

// {"minUsn": i32, "lnewer": bool, "graves": graves | null | absent}.
struct start_request {
  std::int32_t min_usn = 0; // "minUsn": the client's usn at its last sync
  bool lnewer = false;      // "lnewer": the client's mod is newer than ours
  // "graves": the client's deletions, from AnkiDroid before its Rust
  // backend. Old AnkiMobile wrote the ids as decimal strings; an object
  // must then be all strings or all numbers. Rust clients send null.
  std::optional<graves_entry> graves;
};

std::expected<start_request, sync_error> decode_start_request(std::string_view json);
// Writes "graves": null when absent, as Rust clients do.
std::string encode_start_request(const start_request& r);

// The reply to start: the server's graves.
std::string encode_start_response(const graves_entry& g);
std::expected<graves_entry, sync_error> decode_start_response(std::string_view json);

// {"chunk": graves}: numbers only, all three keys required. Clients send
// at most 250 ids per call.
struct apply_graves_request {
  graves_entry chunk;
};

std::expected<apply_graves_request, sync_error> decode_apply_graves_request(std::string_view json);
std::string encode_apply_graves_request(const apply_graves_request& r);

// Shared with other encoders: `{"cards":[..],"decks":[..],"notes":[..]}`.
std::string encode_graves_entry(const graves_entry& g);

} // namespace ankisync::protocol
