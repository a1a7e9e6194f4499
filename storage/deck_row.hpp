#pragma once

#include <cstdint>
#include <string>

#include "decks.pb.h"

namespace ankisync::storage {

// A `decks` row. `name` is the native form (levels joined by U+001F; see
// deck_name.hpp). `kind` has exactly one of normal/filtered set.
struct deck_row {
  std::int64_t id = 0;
  std::string name;
  std::int64_t mtime_secs = 0;
  std::int32_t usn = 0;
  pb::DeckCommon common;
  pb::DeckKindContainer kind;

  bool is_filtered() const { return kind.has_filtered(); }
};

} // namespace ankisync::storage
