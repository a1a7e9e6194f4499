#pragma once

#include "profiles/profile.hpp"
#include "protocol/envelope.hpp"

namespace ankisync::actors {

// The caps of decompressed request bodies a profile sets
// (protocol/payload.hpp), for net/'s decoding and the actors' own.
inline protocol::envelope_limits payload_limits(const profiles::profile& p) {
  protocol::envelope_limits limits;
  limits.max_uncompressed = p.max_uncompressed_bytes();
  limits.max_data = p.max_json_bytes();
  // A legacy multipart `data` part larger than a body kept in memory goes
  // to a file of its own, like the body itself.
  limits.max_part_in_memory = p.body_spill_bytes;
  // The host key is checked before any body is decompressed.
  limits.defer_payload = true;
  return limits;
}

} // namespace ankisync::actors
