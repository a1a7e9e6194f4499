// The text of notes a client sends in applyChunk and applyChanges, as the
// server derives what it stores from it: fields split on U+001F, the sort
// field and checksum from HTML-stripped text, tags split and registered.
// Input: one byte choosing the sort field, then the note's `flds`, then
// after a '\n' its tags.
#include "fuzz_support.hpp"
#include "storage/html_text.hpp"
#include "storage/note_fields.hpp"
#include "storage/tag_names.hpp"

using namespace ankisync;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  auto rest = fuzz::as_text(data + 1, size - 1);
  const auto flds = fuzz::take_line(rest);
  const auto tags = rest;

  const auto fields = storage::split_fields(flds);
  FUZZ_CHECK(!fields.empty());
  FUZZ_CHECK(storage::join_fields(fields) == flds);
  (void)storage::compute_sort_field(fields, data[0] % (fields.size() + 1));
  (void)storage::compute_checksum(fields.front());
  (void)storage::strip_html_preserving_media_filenames(flds);
  (void)storage::decode_entities(flds);

  const auto split = storage::split_note_tags(tags);
  const auto joined = storage::join_note_tags(split);
  FUZZ_CHECK(storage::split_note_tags(joined) == split);
  FUZZ_CHECK(storage::join_note_tags(storage::split_note_tags(joined)) == joined);
  for (const auto& tag : split) {
    const auto name = storage::normalize_tag_name(tag);
    // Not idempotent, as upstream's is not either: ":\x01:" loses its
    // control character and becomes "::", which normalises to "blank::blank".
    FUZZ_CHECK(!name.empty());
    // Walking up the parents ends, each a strict prefix of the last.
    std::string_view at = name;
    while (auto parent = storage::parent_tag_name(at)) {
      FUZZ_CHECK(parent->size() < at.size() && at.starts_with(*parent));
      at = *parent;
    }
  }
  return 0;
}
