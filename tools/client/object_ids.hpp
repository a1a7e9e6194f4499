#pragma once

// Ids and guids for objects a simulated device creates.

#include <cstdint>
#include <string>

namespace ankisync::client {

// Anki ids are creation times in ms. Several simulated devices in one
// process can create objects within the same ms, which real devices
// practically never do, so ids come from one process-wide source that
// never repeats: max(now_ms, last id + 1).
std::int64_t unique_id(std::int64_t now_ms);

// A random note guid: 10 characters of Anki's base-91 alphabet.
std::string new_guid();

} // namespace ankisync::client
