#include "storage/utf8.hpp"

namespace ankisync::storage {

char32_t utf8_next_lossy(std::string_view s, std::size_t& pos) noexcept {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(pos);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }

  // Allowed range of the second byte and total length, per lead byte
  // (Unicode table 3-7); later continuation bytes are always 80..BF.
  int length = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) length = 2;
  else if (b0 == 0xE0) length = 3, lo = 0xA0;
  else if (b0 >= 0xE1 && b0 <= 0xEC) length = 3;
  else if (b0 == 0xED) length = 3, hi = 0x9F; // no surrogates
  else if (b0 >= 0xEE && b0 <= 0xEF) length = 3;
  else if (b0 == 0xF0) length = 4, lo = 0x90;
  else if (b0 >= 0xF1 && b0 <= 0xF3) length = 4;
  else if (b0 == 0xF4) length = 4, hi = 0x8F; // nothing above U+10FFFF
  if (length == 0) {
    ++pos;
    return utf8_replacement;
  }

  char32_t cp = b0 & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
  std::size_t i = pos + 1;
  for (int k = 1; k < length; ++k, ++i) {
    if (i >= s.size()) break;
    unsigned char b = byte(i);
    unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) break;
    cp = (cp << 6) | (b & 0x3F);
    if (k == length - 1) {
      pos = i + 1;
      return cp;
    }
  }
  // The lead byte and the continuation bytes that still fitted form one
  // maximal ill-formed subpart.
  pos = i;
  return utf8_replacement;
}

bool utf8_valid(std::string_view s) noexcept {
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t start = pos;
    char32_t cp = utf8_next_lossy(s, pos);
    // A real U+FFFD takes three bytes; a substituted one covers fewer or
    // different ones.
    if (cp == utf8_replacement && s.substr(start, pos - start) != "\xEF\xBF\xBD") return false;
  }
  return true;
}

void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

char32_t utf8_prev_lossy(std::string_view s, std::size_t end) noexcept {
  if (end == 0) return utf8_replacement;
  std::size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
    --start;
  std::size_t pos = start;
  char32_t cp = utf8_next_lossy(s, pos);
  return pos == end ? cp : utf8_replacement;
}

} // namespace ankisync::storage
