// Schema-11 JSON objects (applyChanges "models" and "decks", and the col
// table of a legacy upload) converted to schema-18 rows. Input: a byte
// choosing notetype, deck or deck config, then the JSON. A row that came
// from JSON, written back as schema-11 JSON, reads as the same row: the
// text written from both reads is the same JSON (doubles within an ulp
// or so: json_compare.hpp).
#include "fuzz_support.hpp"
#include "json_compare.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_notetype.hpp"

using namespace ankisync;

namespace {

template <class From, class To>
void round_trip(std::string_view json, From from_text, To to_text) {
  auto row = from_text(json);
  if (!row)
    return;
  const auto first = to_text(*row);
  auto again = from_text(first);
  FUZZ_CHECK(again);
  FUZZ_CHECK(fuzz::same_json(to_text(*again), first));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const auto json = fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 3) {
  case 0:
    round_trip(json, storage::notetype_from_schema11_text, storage::notetype_to_schema11_text);
    break;
  case 1:
    round_trip(json, storage::deck_from_schema11_text, storage::deck_to_schema11_text);
    break;
  default:
    round_trip(json, storage::deck_config_from_schema11_text,
               storage::deck_config_to_schema11_text);
    break;
  }
  return 0;
}
