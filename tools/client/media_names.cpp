#include "tools/client/media_names.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "protocol/media_name.hpp"

namespace ankisync::client {
namespace {

constexpr std::size_t max_name_bytes = 120; // upstream MAX_MEDIA_FILENAME_LENGTH
constexpr std::size_t max_extension_bytes = 10;

bool is_forbidden_ascii(unsigned char c) {
  if (c < 0x20 || c == 0x7f)
    return true;
  constexpr std::string_view forbidden = "[]<>:\"/?*^\\|";
  return forbidden.find(static_cast<char>(c)) != std::string_view::npos;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_windows_device_stem(std::string_view name) {
  const auto dot = name.find('.');
  const std::string stem = lower_ascii(name.substr(0, dot));
  static constexpr std::array<std::string_view, 4> plain{"con", "prn", "aux", "nul"};
  if (std::find(plain.begin(), plain.end(), stem) != plain.end())
    return true;
  return stem.size() == 4 && (stem.starts_with("com") || stem.starts_with("lpt")) &&
         stem[3] >= '1' && stem[3] <= '9';
}

// The longest prefix of `s` of at most `bytes` bytes that ends on a
// character boundary.
std::string_view utf8_prefix(std::string_view s, std::size_t bytes) {
  if (s.size() <= bytes)
    return s;
  std::size_t cut = bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80)
    --cut;
  return s.substr(0, cut);
}

void fix_trailing(std::string& name) {
  if (!name.empty() && (name.back() == ' ' || name.back() == '.'))
    name += '_';
}

} // namespace

std::string normalize_media_name(std::string_view name) {
  const std::string nfc = protocol::to_nfc(name);
  if (nfc.empty())
    return {};
  std::string out;
  out.reserve(nfc.size());
  for (std::size_t i = 0; i < nfc.size(); ++i) {
    const auto c = static_cast<unsigned char>(nfc[i]);
    if (c < 0x80) {
      if (!is_forbidden_ascii(c))
        out += static_cast<char>(c);
    } else if (c == 0xc2 && i + 1 < nfc.size() &&
               static_cast<unsigned char>(nfc[i + 1]) == 0xa0) {
      out += ' '; // U+00A0
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (out.empty())
    return {};
  if (is_windows_device_stem(out)) {
    const auto dot = out.find('.');
    out.insert(dot == std::string::npos ? out.size() : dot, "_");
  }
  fix_trailing(out);
  if (out.size() > max_name_bytes) {
    const auto dot = out.rfind('.');
    std::string_view stem = out;
    std::string_view ext;
    if (dot != std::string::npos && dot > 0) {
      stem = std::string_view(out).substr(0, dot);
      ext = utf8_prefix(std::string_view(out).substr(dot + 1), max_extension_bytes);
    }
    // One byte for the dot, one for a "_" that fix_trailing may add.
    const std::size_t room = max_name_bytes - ext.size() - 2;
    std::string cut(utf8_prefix(stem, room));
    if (!ext.empty())
      cut += "." + std::string(ext);
    out = std::move(cut);
    fix_trailing(out);
  }
  return out;
}

bool is_nonsyncable_media_name(std::string_view name) {
  const std::string lower = lower_ascii(name);
  return lower == "thumbs.db" || lower == ".ds_store";
}

} // namespace ankisync::client
