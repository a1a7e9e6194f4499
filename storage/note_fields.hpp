#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ankisync::storage {

// How Anki derives the stored columns of a note from its fields
// (rslib/src/notes/mod.rs `prepare_for_update`). A server that writes
// notes must produce the same `sfld` and `csum` as Anki, because clients
// sort by them and find duplicates by them after a full download.

// Fields are joined by U+001F in `notes.flds`.
inline constexpr char field_separator = '\x1f';
std::vector<std::string> split_fields(std::string_view flds);
std::string join_fields(const std::vector<std::string>& fields);

// Removes ASCII control characters except '\n' and '\t' (U+001F included,
// so a field can never split in two).
std::string strip_control_chars(std::string_view field);

// The sort field: field `sort_idx` with HTML stripped but media file names
// kept (see html_text.hpp); "" when the note has no such field.
std::string compute_sort_field(const std::vector<std::string>& fields, std::size_t sort_idx);

// The first 4 bytes, big-endian, of the SHA-1 of `stripped_first_field`,
// which must already be strip_html_preserving_media_filenames(field 0).
std::uint32_t checksum_of_stripped(std::string_view stripped_first_field);

// csum of a note whose first field is `first_field` (HTML is stripped here).
std::uint32_t compute_checksum(std::string_view first_field);

// Tags as stored in `notes.tags`: split on ' ' and U+3000, empty pieces
// dropped, rejoined as " a b " (or "" when there are none). No case or
// Unicode normalisation: Anki's sync stores note tags as they come.
std::vector<std::string> split_note_tags(std::string_view tags);
std::string join_note_tags(const std::vector<std::string>& tags);

} // namespace ankisync::storage
