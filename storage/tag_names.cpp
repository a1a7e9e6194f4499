#include "storage/tag_names.hpp"

#include "storage/unicode_text.hpp"

namespace ankisync::storage {

namespace {

constexpr std::string_view level_separator = "::";

std::string normalize_component(std::string_view component) {
  std::string nfc = to_nfc(component);
  std::string kept;
  kept.reserve(nfc.size());
  for (std::size_t i = 0; i < nfc.size(); ++i) {
    auto b = static_cast<unsigned char>(nfc[i]);
    if (b < 0x20 || b == 0x7F || b == ' ') continue;
    if (nfc.compare(i, 3, "\xE3\x80\x80") == 0) { // U+3000 separates tags too
      i += 2;
      continue;
    }
    kept += nfc[i];
  }
  std::string_view trimmed = trim_white_space(kept);
  if (trimmed.empty()) return "blank";
  return std::string(trimmed);
}

} // namespace

std::string normalize_tag_name(std::string_view name) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    std::size_t sep = name.find(level_separator, start);
    if (start > 0) out += level_separator;
    out += normalize_component(name.substr(start, sep - start));
    if (sep == std::string_view::npos) break;
    start = sep + level_separator.size();
  }
  return out;
}

std::optional<std::string_view> parent_tag_name(std::string_view name) {
  std::size_t sep = name.rfind(level_separator);
  if (sep == std::string_view::npos) return std::nullopt;
  return name.substr(0, sep);
}

} // namespace ankisync::storage
