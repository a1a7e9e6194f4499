#include "storage/unicode_text.hpp"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>

#include "storage/utf8.hpp"

namespace ankisync::storage {

bool is_regex_word_char(char32_t c) noexcept {
  if (c < 0x80)
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  auto cp = static_cast<UChar32>(c);
  if (u_hasBinaryProperty(cp, UCHAR_ALPHABETIC) || u_hasBinaryProperty(cp, UCHAR_JOIN_CONTROL))
    return true;
  switch (u_charType(cp)) {
  case U_NON_SPACING_MARK:
  case U_ENCLOSING_MARK:
  case U_COMBINING_SPACING_MARK:
  case U_DECIMAL_DIGIT_NUMBER:
  case U_CONNECTOR_PUNCTUATION: return true;
  default: return false;
  }
}

bool is_white_space(char32_t c) noexcept {
  // PropList.txt White_Space; a stable, closed list.
  switch (c) {
  case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20:
  case 0x85: case 0xA0: case 0x1680:
  case 0x2000: case 0x2001: case 0x2002: case 0x2003: case 0x2004: case 0x2005:
  case 0x2006: case 0x2007: case 0x2008: case 0x2009: case 0x200A:
  case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: return true;
  default: return false;
  }
}

std::string_view trim_white_space(std::string_view s) noexcept {
  std::size_t begin = 0;
  while (begin < s.size()) {
    std::size_t next = begin;
    if (!is_white_space(utf8_next_lossy(s, next))) break;
    begin = next;
  }
  std::size_t end = s.size();
  while (end > begin) {
    char32_t c = utf8_prev_lossy(s, end);
    if (!is_white_space(c)) break;
    // Every White_Space character is valid UTF-8 of known length.
    end -= c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return s.substr(begin, end - begin);
}

std::string to_nfc(std::string_view s) {
  if (is_ascii(s) || !utf8_valid(s)) return std::string(s);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || nfc == nullptr) return std::string(s);
  icu::StringPiece piece(s.data(), static_cast<int32_t>(s.size()));
  if (nfc->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) return std::string(s);
  status = U_ZERO_ERROR;
  std::string out;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(s.size()));
  nfc->normalizeUTF8(0, piece, sink, nullptr, status);
  // ICU's data is built in; a failure here means no usable data at all,
  // where leaving the text as it is beats refusing the note.
  if (U_FAILURE(status)) return std::string(s);
  return out;
}

} // namespace ankisync::storage
