#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ankisync::storage {

inline constexpr char32_t utf8_replacement = 0xFFFD;

// Decodes the code point starting at `pos` and advances `pos` past it.
// Invalid input decodes like Rust's String::from_utf8_lossy (which Anki's
// SQLite callbacks use): each maximal ill-formed subpart becomes one
// U+FFFD. Behaviour that decides index order, so do not change.
char32_t utf8_next_lossy(std::string_view s, std::size_t& pos) noexcept;

// Appends `cp` (a Unicode scalar value) as UTF-8.
void utf8_append(std::string& out, char32_t cp);

// The code point ending just before `end` (lenient), for looking behind.
char32_t utf8_prev_lossy(std::string_view s, std::size_t end) noexcept;

// True when `s` is well-formed UTF-8 (what a Rust &str may hold).
bool utf8_valid(std::string_view s) noexcept;

inline bool is_ascii(std::string_view s) noexcept {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

} // namespace ankisync::storage
