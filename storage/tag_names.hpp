#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ankisync::storage {

// Tag names as Anki registers them (rslib/src/tags/register.rs): each
// "::"-separated component is NFC-normalised, loses ASCII control
// characters, spaces and U+3000, is trimmed of Unicode white space, and
// becomes "blank" if nothing is left. Never returns an empty name.
std::string normalize_tag_name(std::string_view name);

// "a::b::c" -> "a::b"; nullopt for a top-level tag.
std::optional<std::string_view> parent_tag_name(std::string_view name);

} // namespace ankisync::storage
