#pragma once

#include <string>
#include <string_view>

namespace ankisync::storage {

// Deck names: schema 18 stores levels joined by U+001F ("native"); JSON and
// people use "::" (collection-schema.md 5.3).

// "A::B" -> "A\x1fB". Each level is NFC-normalised, loses ASCII control
// characters, is trimmed of white space and ':' at both ends, and becomes
// "blank" if nothing is left, as upstream does.
std::string native_deck_name(std::string_view human);

// "A\x1fB" -> "A::B"; no normalisation.
std::string human_deck_name(std::string_view native);

} // namespace ankisync::storage
