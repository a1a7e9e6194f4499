#pragma once

// /sync/sanityCheck2: both sides compare their table counts before finish.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// [[new, learn, review], cards, notes, revlog, graves, models, decks,
//  deck_config], all u32. Modern clients send [0,0,0] for the due counts;
// the server zeroes them and "graves" on both sides before comparing.
struct sanity_counts_entry {
  std::uint32_t due_new = 0;
  std::uint32_t due_learn = 0;
  std::uint32_t due_review = 0;
  std::uint32_t cards = 0;
  std::uint32_t notes = 0;
  std::uint32_t revlog = 0;
  std::uint32_t graves = 0;
  std::uint32_t models = 0;
  std::uint32_t decks = 0;
  std::uint32_t deck_config = 0;

  friend bool operator==(const sanity_counts_entry&, const sanity_counts_entry&) = default;
};

// {"client": counts}. A legacy client whose own check failed sent a string
// here: a bad request, as upstream.
struct sanity_request {
  sanity_counts_entry client;
};

std::expected<sanity_request, sync_error> decode_sanity_request(std::string_view json);
std::string encode_sanity_request(const sanity_request& r);

enum class sanity_status { ok, bad };

// {"status": "ok"|"bad", "c": counts|null, "s": counts|null}.
struct sanity_response {
  sanity_status status = sanity_status::ok;
  std::optional<sanity_counts_entry> client; // "c"
  std::optional<sanity_counts_entry> server; // "s"; null when the server
                                             // found pending (-1) usns
};

std::string encode_sanity_response(const sanity_response& r);
// As upstream's client: an unreadable "c"/"s" becomes null, not an error.
std::expected<sanity_response, sync_error> decode_sanity_response(std::string_view json);

} // namespace ankisync::protocol
