#pragma once

// /sync/chunk (server -> client) and /sync/applyChunk (client -> server):
// revlog, cards and notes as positional JSON rows, at most ~250 per call.
// Column order and types are persisted by every client: do not change.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// [id, cid, usn, ease, ivl, lastIvl, factor, time, type]
struct revlog_entry {
  std::int64_t id = 0;  // ms timestamp of the review
  std::int64_t cid = 0;
  std::int32_t usn = 0;
  std::uint8_t ease = 0;     // button; 0 = manual reschedule
  std::int32_t ivl = 0;      // > 0 days, < 0 seconds (float accepted, truncated)
  std::int32_t last_ivl = 0; // same
  std::uint32_t factor = 0;  // float accepted; negative -> 0
  std::uint32_t time = 0;    // ms taken; float accepted; negative -> 0
  // 0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 rescheduled.
  // Any other value (or a missing 9th column) reads as 0, as upstream.
  std::uint8_t type = 0;
};

// [id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps,
//  lapses, left, odue, odid, flags, data]
struct card_entry {
  std::int64_t id = 0;
  std::int64_t nid = 0;
  std::int64_t did = 0;
  std::uint16_t ord = 0;
  std::int64_t mod = 0; // s; float accepted, truncated
  std::int32_t usn = 0;
  std::uint8_t type = 0; // 0 new, 1 learn, 2 review, 3 relearn; else an error
  // 0 new, 1 learn, 2 review, 3 day-learn, 4 preview, -1 suspended,
  // -2 sched-buried, -3 user-buried; else an error.
  std::int8_t queue = 0;
  std::int32_t due = 0;   // float accepted
  std::uint32_t ivl = 0;  // float accepted; negative -> 0
  std::uint16_t factor = 0;
  std::uint32_t reps = 0;
  std::uint32_t lapses = 0;
  std::uint32_t left = 0;
  std::int32_t odue = 0;  // float accepted
  std::int64_t odid = 0;
  std::uint8_t flags = 0;
  std::string data; // JSON text; storage/ normalises it
};

// [id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data]
// Upstream always sends sfld "", csum "", flags 0, data "" and ignores
// them on input (the receiver recomputes sfld/csum). The encoder writes
// what it is given: the caller blanks them.
struct note_entry {
  std::int64_t id = 0;
  std::string guid;
  std::int64_t mid = 0; // notetype id
  std::int64_t mod = 0; // s
  std::int32_t usn = 0;
  std::string tags; // " a b " (leading and trailing space when non-empty)
  std::string flds; // fields joined by U+001F
  std::string sfld;
  std::string csum; // a string on the wire, unlike the integer column
  std::uint32_t flags = 0;
  std::string data;
};

// {"done": bool, "revlog": [...], "cards": [...], "notes": [...]}.
struct chunk_entry {
  bool done = false;
  std::vector<revlog_entry> revlog;
  std::vector<card_entry> cards;
  std::vector<note_entry> notes;
};

// Always writes "done"; omits empty arrays, as upstream does (legacy
// clients read only the keys present). Also the chunk reply.
std::string encode_chunk_entry(const chunk_entry& c);
// "done" and every array optional (false / empty); null is not accepted.
std::expected<chunk_entry, sync_error> decode_chunk_entry(std::string_view json);

// {"chunk": chunk}.
struct apply_chunk_request {
  chunk_entry chunk;
};

std::expected<apply_chunk_request, sync_error> decode_apply_chunk_request(std::string_view json);
std::string encode_apply_chunk_request(const apply_chunk_request& r);

} // namespace ankisync::protocol
