#pragma once

#include <string>
#include <string_view>

namespace ankisync::storage {

// Unicode facts the note and tag rules need, backed by ICU where a table
// is involved. ICU's Unicode version may differ from the Rust crates Anki
// uses; that only matters for characters assigned after both.

// A `\w` character of Rust's regex crate: Alphabetic, Mark, Decimal_Number,
// Connector_Punctuation or Join_Control. Decides `\b` word boundaries.
bool is_regex_word_char(char32_t c) noexcept;

// Unicode White_Space, the set Rust's str::trim removes.
bool is_white_space(char32_t c) noexcept;

// `s` without leading and trailing White_Space (str::trim).
std::string_view trim_white_space(std::string_view s) noexcept;

// Canonical composition (NFC). Returns `s` unchanged when it is already
// NFC (the common case: no copy of the work), and for ill-formed UTF-8,
// which a Rust &str could not hold in the first place.
std::string to_nfc(std::string_view s);

} // namespace ankisync::storage
