#pragma once

#include "deck_config.pb.h"

namespace ankisync::storage {

// The settings of a new deck options group, as upstream's
// `DeckConfig::default` (collection-schema.md 6.6): learn steps [1, 10],
// relearn steps [10], easy days all 1.0, 20 new / 200 reviews a day, ...
pb::DeckConfigConfig default_deck_config();

// Replaces out-of-range or NaN values by their defaults. Upstream does this
// on every read of a deck config (an old options screen could persist 0 or
// NaN), so rows read from the database pass through here.
void repair_deck_config_values(pb::DeckConfigConfig& config);

} // namespace ankisync::storage
