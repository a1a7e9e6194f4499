#pragma once

// /sync/meta: the first call of every sync, also the desktop's background
// status check. Wire keys are persisted by clients: do not rename them.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// {"v": <sync version>, "cv": <long client version>}, both required.
struct meta_request {
  // The client's sync version. Any JSON integer is accepted (values beyond
  // int saturate) so the caller can answer 501 ("client too old") outside
  // 8..11, the status legacy clients look for.
  int v = 0;
  // e.g. "anki,25.02 (abc1234),linux"; legacy "ankidesktop,2.1.x,...".
  std::string cv;
};

std::expected<meta_request, sync_error> decode_meta_request(std::string_view json);
std::string encode_meta_request(const meta_request& r);

// All keys are always written; clients >= 23.10 need "media_usn".
struct meta_response {
  std::int64_t mod = 0;     // "mod": collection modified, ms
  std::int64_t scm = 0;     // "scm": schema modified, ms (differs => full sync)
  std::int32_t usn = 0;     // "usn": collection usn, becomes the client's minUsn
  std::int64_t ts = 0;      // "ts": server clock, s (clients refuse > 300 s skew)
  std::string msg;          // "msg": shown to the user when cont is false
  bool cont = true;         // "cont": false = client must stop
  std::uint32_t host_num = 0; // "hostNum": legacy shard number, always 0 here
  bool empty = false;       // "empty": the collection has no cards
  std::int32_t media_usn = 0; // "media_usn" (snake case on the wire)
};

std::string encode_meta_response(const meta_response& r);
// As upstream's client: every key required except "empty" (default false).
std::expected<meta_response, sync_error> decode_meta_response(std::string_view json);

} // namespace ankisync::protocol
