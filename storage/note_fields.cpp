#include "storage/note_fields.hpp"

#include <nettle/sha1.h>

#include "storage/html_text.hpp"

namespace ankisync::storage {

std::vector<std::string> split_fields(std::string_view flds) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t sep = flds.find(field_separator, start);
    out.emplace_back(flds.substr(start, sep - start));
    if (sep == std::string_view::npos) break;
    start = sep + 1;
  }
  return out;
}

std::string join_fields(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += field_separator;
    out += fields[i];
  }
  return out;
}

std::string strip_control_chars(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (char c : field) {
    auto b = static_cast<unsigned char>(c);
    bool control = b < 0x20 || b == 0x7F;
    if (!control || c == '\n' || c == '\t') out += c;
  }
  return out;
}

std::string compute_sort_field(const std::vector<std::string>& fields, std::size_t sort_idx) {
  if (sort_idx >= fields.size()) return {};
  return strip_html_preserving_media_filenames(fields[sort_idx]);
}

std::uint32_t checksum_of_stripped(std::string_view stripped_first_field) {
  sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_update(&ctx, stripped_first_field.size(),
              reinterpret_cast<const std::uint8_t*>(stripped_first_field.data()));
  std::uint8_t digest[SHA1_DIGEST_SIZE];
  sha1_digest(&ctx, sizeof digest, digest);
  return (std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) |
         (std::uint32_t{digest[2]} << 8) | std::uint32_t{digest[3]};
}

std::uint32_t compute_checksum(std::string_view first_field) {
  return checksum_of_stripped(strip_html_preserving_media_filenames(first_field));
}

std::vector<std::string> split_note_tags(std::string_view tags) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) out.push_back(std::move(current));
    current.clear();
  };
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (tags[i] == ' ') {
      flush();
    } else if (tags.compare(i, 3, "\xE3\x80\x80") == 0) { // U+3000 ideographic space
      flush();
      i += 2;
    } else {
      current += tags[i];
    }
  }
  flush();
  return out;
}

std::string join_note_tags(const std::vector<std::string>& tags) {
  if (tags.empty()) return {};
  std::string out = " ";
  for (const auto& t : tags) {
    out += t;
    out += ' ';
  }
  return out;
}

} // namespace ankisync::storage
