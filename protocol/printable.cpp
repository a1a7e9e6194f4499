#include "protocol/printable.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <climits>
#include <cstdio>

namespace ankisync::protocol {
namespace {

bool plain_ascii(unsigned char b) { return b >= 0x20 && b < 0x7f; }

bool prints_as_itself(UChar32 c) {
  if (c <= 0x9f) // C1 controls; C0 and DEL never get here
    return false;
  switch (u_charType(c)) {
  case U_CONTROL_CHAR:
  case U_FORMAT_CHAR:
  case U_LINE_SEPARATOR:
  case U_PARAGRAPH_SEPARATOR:
  case U_SURROGATE:
    return false;
  default:
    return true;
  }
}

void append_byte(std::string& out, unsigned char b) {
  switch (b) {
  case '\n': out += "\\n"; return;
  case '\r': out += "\\r"; return;
  case '\t': out += "\\t"; return;
  default: break;
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", b);
  out += buf;
}

} // namespace

std::string printable(std::string_view text) {
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return plain_ascii(static_cast<unsigned char>(c)); }))
    return std::string(text);
  // ICU's offsets are int32_t; a longer text is cut, which a log line can bear.
  const auto size = static_cast<std::int32_t>(std::min<std::size_t>(text.size(), INT32_MAX));
  std::string out;
  out.reserve(text.size() + 16);
  std::int32_t i = 0;
  while (i < size) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (plain_ascii(b)) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    if (b < 0x80) {
      append_byte(out, b);
      ++i;
      continue;
    }
    const std::int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(text.data(), i, size, c);
    if (c < 0) { // not UTF-8: escape the lead byte, go on after it
      append_byte(out, b);
      i = start + 1;
      continue;
    }
    if (prints_as_itself(c)) {
      out.append(text.data() + start, static_cast<std::size_t>(i - start));
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(c));
      out += buf;
    }
  }
  return out;
}

} // namespace ankisync::protocol
