#pragma once

// What "the same response" means when a recording is replayed
// (docs/replay.md, "What is compared"). Values that carry the replaying
// server's clock or keys legitimately differ; everything else must match.

#include <optional>
#include <string>
#include <string_view>

namespace ankisync::replay {

struct recorded_reply {
  int status = 0;
  std::string body;    // the decoded body (error text for status != 200)
  bool binary = false; // a file or zip: only the status is compared
};

struct compare_context {
  std::string_view family = "sync"; // "sync" or "media"
  std::string_view method;          // "meta", "applyChanges", ...
  // The recording started before the user had a collection: the replaying
  // server creates its own, with its own schema time.
  bool fresh_collection = false;
};

// Top-level or nested JSON keys ignored for this method.
bool ignored_key(const compare_context& where, std::string_view key);

// nullopt when `got` counts as the same reply as `expected`; else one line
// saying where they first differ, e.g. "$.usn: expected 5, got 6".
std::optional<std::string> compare_reply(const compare_context& where,
                                         const recorded_reply& expected,
                                         const recorded_reply& got);

} // namespace ankisync::replay
