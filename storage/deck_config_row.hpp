#pragma once

#include <cstdint>
#include <string>

#include "deck_config.pb.h"

namespace ankisync::storage {

// A `deck_config` row (a deck options group). Names may repeat.
struct deck_config_row {
  std::int64_t id = 0;
  std::string name;
  std::int64_t mtime_secs = 0;
  std::int32_t usn = 0;
  pb::DeckConfigConfig config;
};

} // namespace ankisync::storage
