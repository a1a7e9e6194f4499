#pragma once

// /sync/applyChanges: notetypes, decks, deck configs, tags and (from the
// newer side only) the whole config map and the creation time, unchunked.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// Objects travel in schema-11 JSON whatever the storage schema. protocol/
// does not interpret them: each is kept as the compact JSON text of one
// object, with key order and unknown keys intact (numbers keep their
// integer/float kind), and storage/ converts them. On decode the text is
// re-serialized compactly from the parsed value; on encode the strings are
// spliced in as given, so they must each be one valid JSON object.
struct changes_entry {
  std::vector<std::string> models;       // "models": notetype objects
  std::vector<std::string> decks;        // "decks"[0]: deck objects
  std::vector<std::string> deck_configs; // "decks"[1]: deck config objects
  std::vector<std::string> tags;         // "tags": tag names only
  // "conf": the entire config map, key -> raw JSON value text, in wire
  // order. Absent (or null) unless this side is the newer one.
  std::optional<std::vector<std::pair<std::string, std::string>>> conf;
  // "crt": collection creation time, s. Sent together with conf.
  std::optional<std::int64_t> crt;
};

// {"models":[..],"decks":[[decks],[dconfs]],"tags":[..]} plus "conf" and
// "crt" only when set.
std::string encode_changes_entry(const changes_entry& c);
// Also the reply decoder. "decks" may be the 2-element array clients send
// or an object {"decks":[..],"config":[..]}; models, decks and tags are
// required, conf/crt optional (null = absent).
std::expected<changes_entry, sync_error> decode_changes_entry(std::string_view json);

// {"changes": changes}.
struct apply_changes_request {
  changes_entry changes;
};

std::expected<apply_changes_request, sync_error>
decode_apply_changes_request(std::string_view json);
std::string encode_apply_changes_request(const apply_changes_request& r);

} // namespace ankisync::protocol
