#include "storage/username.hpp"

#include <unicode/uchar.h>

#include <cstdint>
#include <optional>

#include "storage/unicode_text.hpp"

namespace ankisync::storage {

namespace {

constexpr std::size_t max_name_bytes = 64;

// Decodes one code point at `i`, advancing it; nullopt for anything that is
// not shortest-form UTF-8 of a scalar value (overlong forms, surrogates and
// values past U+10FFFF would let two spellings name one folder, or none).
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((lead & 0xe0) == 0xc0) {
    len = 2, cp = lead & 0x1f, min = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    len = 3, cp = lead & 0x0f, min = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (s.size() - i < len) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char cont = byte(i + k);
    if ((cont & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (cont & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
  i += len;
  return cp;
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

bool is_format(char32_t cp) { return u_charType(static_cast<UChar32>(cp)) == U_FORMAT_CHAR; }

bool is_separator(char32_t cp) {
  const auto type = u_charType(static_cast<UChar32>(cp));
  return type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR;
}

} // namespace

std::string username_problem(std::string_view name) {
  if (name.empty()) return "username is empty";
  if (name.size() > max_name_bytes) return "username is longer than 64 bytes";
  if (name == "." || name == "..") return "username cannot be \".\" or \"..\"";
  // The users database sits beside the user folders in the data root.
  if (name.starts_with("users.db")) return "username cannot start with \"users.db\"";

  for (std::size_t i = 0; i < name.size();) {
    auto cp = next_code_point(name, i);
    if (!cp) return "username is not valid UTF-8";
    if (*cp == 0) return "username contains a NUL byte";
    if (is_control(*cp)) return "username contains a control character";
    if (is_format(*cp))
      return "username contains an invisible format character (a bidi control, a zero-width "
             "character)";
    if (is_separator(*cp)) return "username contains a line or paragraph separator";
    if (*cp == '/' || *cp == '\\') return "username contains a slash or backslash";
    if (*cp == ':') return "username contains ':'";
  }

  auto edge_bad = [](char c) { return c == ' ' || c == '.'; };
  if (edge_bad(name.front())) return "username starts with a space or dot";
  if (edge_bad(name.back())) return "username ends with a space or dot";
  return {};
}

std::expected<std::string, std::string> canonical_username(std::string_view name) {
  // Checked after composing: that is the form stored and used as a folder
  // name (composition may shorten it, never lengthen a valid one past a
  // rule). Ill-formed UTF-8 comes back from to_nfc unchanged and is
  // refused here.
  auto nfc = to_nfc(name);
  if (auto problem = username_problem(nfc); !problem.empty())
    return std::unexpected(std::move(problem));
  return nfc;
}

} // namespace ankisync::storage
