#include "storage/deck_name.hpp"

#include <vector>

#include "storage/unicode_text.hpp"
#include "storage/utf8.hpp"

namespace ankisync::storage {

namespace {

std::string normalized_component(std::string_view comp) {
  std::string n = to_nfc(comp);
  std::vector<char32_t> cps;
  for (std::size_t pos = 0; pos < n.size();) {
    char32_t c = utf8_next_lossy(n, pos);
    if (c < 0x20 || c == 0x7f) continue; // ASCII control characters
    cps.push_back(c);
  }
  auto trimmed = [](char32_t c) { return is_white_space(c) || c == U':'; };
  std::size_t b = 0, e = cps.size();
  while (b < e && trimmed(cps[b])) ++b;
  while (e > b && trimmed(cps[e - 1])) --e;
  if (b == e) return "blank";
  std::string out;
  for (std::size_t i = b; i < e; ++i) utf8_append(out, cps[i]);
  return out;
}

} // namespace

std::string native_deck_name(std::string_view human) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = human.find("::", start);
    std::string_view comp =
        human.substr(start, pos == std::string_view::npos ? pos : pos - start);
    if (start != 0) out += '\x1f';
    out += normalized_component(comp);
    if (pos == std::string_view::npos) break;
    start = pos + 2;
  }
  return out;
}

std::string human_deck_name(std::string_view native) {
  std::string out;
  out.reserve(native.size());
  for (char c : native) {
    if (c == '\x1f') out += "::";
    else out += c;
  }
  return out;
}

} // namespace ankisync::storage
