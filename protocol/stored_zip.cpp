#include "protocol/stored_zip.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <memory>

namespace ankisync::protocol::detail {
namespace {

// Persisted: zip format constants (PKWARE APPNOTE 4.3.7, 4.3.12, 4.3.16).
constexpr std::uint32_t local_header_sig = 0x04034b50;
constexpr std::uint32_t central_header_sig = 0x02014b50;
constexpr std::uint32_t end_record_sig = 0x06054b50;
constexpr std::uint16_t version_needed = 20;
constexpr std::uint16_t version_made_by = (3 << 8) | 20; // Unix, 2.0
constexpr std::uint16_t utf8_names_flag = 1 << 11;
constexpr std::uint16_t method_stored = 0;
// 1980-01-01 00:00, the earliest DOS date, as upstream's writer uses.
constexpr std::uint16_t dos_time = 0;
constexpr std::uint16_t dos_date = (0 << 9) | (1 << 5) | 1;
constexpr std::uint32_t unix_mode_0644 = 0100644u << 16;
constexpr std::uint64_t max_u32 = 0xFFFFFFFFu;

void put16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::unexpected<sync_error> too_big(std::string_view what) {
  return std::unexpected(make_error(error_code::server_error,
                                    "zip too large (" + std::string(what) + " past 4 GiB)"));
}

struct file_closer {
  void operator()(std::FILE* f) const noexcept {
    if (f) std::fclose(f);
  }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

std::uint32_t crc_of(std::uint32_t crc, const char* data, std::size_t n) {
  return static_cast<std::uint32_t>(
      ::crc32(crc, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(n)));
}

} // namespace

std::expected<void, sync_error> stored_zip_writer::put(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = std::min(bytes.size(), zip_piece_bytes);
    if (auto r = sink_(bytes.substr(0, n)); !r) return r;
    offset_ += n;
    bytes.remove_prefix(n);
  }
  return {};
}

std::expected<void, sync_error> stored_zip_writer::begin_member(std::string_view name,
                                                                std::uint32_t crc,
                                                                std::uint64_t size) {
  if (offset_ > max_u32) return too_big("member offset");
  if (size > max_u32) return too_big("member size");
  if (entries_.size() >= 0xFFFF) return too_big("member count");
  if (name.size() > 0xFFFF)
    return std::unexpected(make_error(error_code::server_error, "zip member name too long"));
  central_entry e{std::string(name), crc, static_cast<std::uint32_t>(size),
                  static_cast<std::uint32_t>(offset_)};
  std::string h;
  h.reserve(30 + name.size());
  put32(h, local_header_sig);
  put16(h, version_needed);
  put16(h, utf8_names_flag);
  put16(h, method_stored);
  put16(h, dos_time);
  put16(h, dos_date);
  put32(h, crc);
  put32(h, e.size); // compressed size: stored
  put32(h, e.size);
  put16(h, static_cast<std::uint16_t>(name.size()));
  put16(h, 0); // no extra field
  h += name;
  entries_.push_back(std::move(e));
  return put(h);
}

std::expected<void, sync_error> stored_zip_writer::add_bytes(std::string_view name,
                                                             std::string_view bytes) {
  std::uint32_t crc = crc_of(0, nullptr, 0);
  for (std::size_t at = 0; at < bytes.size(); at += zip_piece_bytes) {
    const auto piece = bytes.substr(at, zip_piece_bytes);
    crc = crc_of(crc, piece.data(), piece.size());
  }
  if (auto r = begin_member(name, crc, bytes.size()); !r) return r;
  return put(bytes);
}

std::expected<void, sync_error> stored_zip_writer::add_file(std::string_view name,
                                                            const std::filesystem::path& source,
                                                            std::string_view display_name) {
  errno = 0;
  file_ptr in(std::fopen(source.c_str(), "rb"));
  if (!in) {
    if (errno == ENOENT)
      return std::unexpected(make_error(error_code::conflict,
                                        "media file missing: " + std::string(display_name)));
    return std::unexpected(
        make_error(error_code::server_error, "cannot read media file: " + std::string(display_name)));
  }
  auto read_error = [&] {
    return std::unexpected(
        make_error(error_code::server_error, "cannot read media file: " + std::string(display_name)));
  };
  std::string buf(zip_piece_bytes, '\0');

  std::uint32_t crc = crc_of(0, nullptr, 0);
  std::uint64_t size = 0;
  for (;;) {
    const auto n = std::fread(buf.data(), 1, buf.size(), in.get());
    if (n == 0) {
      if (std::ferror(in.get())) return read_error();
      break;
    }
    crc = crc_of(crc, buf.data(), n);
    size += n;
  }
  if (auto r = begin_member(name, crc, size); !r) return r;

  std::rewind(in.get());
  std::uint32_t check = crc_of(0, nullptr, 0);
  std::uint64_t sent = 0;
  for (;;) {
    const auto n = std::fread(buf.data(), 1, buf.size(), in.get());
    if (n == 0) {
      if (std::ferror(in.get())) return read_error();
      break;
    }
    if (sent + n > size) break; // grew; reported below
    check = crc_of(check, buf.data(), n);
    sent += n;
    if (auto r = put(std::string_view(buf.data(), n)); !r) return r;
  }
  // The header already promised `size` bytes with `crc`; anything else
  // would be a corrupt zip, so the reply must fail instead.
  if (sent != size || check != crc)
    return std::unexpected(make_error(error_code::server_error,
                                      "media file changed while being sent: " +
                                          std::string(display_name)));
  return {};
}

std::expected<std::uint64_t, sync_error> stored_zip_writer::finish() {
  const std::uint64_t central_offset = offset_;
  if (central_offset > max_u32) return too_big("central directory offset");
  std::string cd;
  for (const auto& e : entries_) {
    put32(cd, central_header_sig);
    put16(cd, version_made_by);
    put16(cd, version_needed);
    put16(cd, utf8_names_flag);
    put16(cd, method_stored);
    put16(cd, dos_time);
    put16(cd, dos_date);
    put32(cd, e.crc);
    put32(cd, e.size);
    put32(cd, e.size);
    put16(cd, static_cast<std::uint16_t>(e.name.size()));
    put16(cd, 0); // extra
    put16(cd, 0); // comment
    put16(cd, 0); // disk number start
    put16(cd, 0); // internal attributes
    put32(cd, unix_mode_0644);
    put32(cd, e.offset);
    cd += e.name;
    if (cd.size() >= zip_piece_bytes) {
      if (auto r = put(cd); !r) return std::unexpected(r.error());
      cd.clear();
    }
  }
  const std::uint64_t central_size = offset_ + cd.size() - central_offset;
  if (central_size > max_u32) return too_big("central directory");
  const auto count = static_cast<std::uint16_t>(entries_.size());
  put32(cd, end_record_sig);
  put16(cd, 0); // this disk
  put16(cd, 0); // disk with the central directory
  put16(cd, count);
  put16(cd, count);
  put32(cd, static_cast<std::uint32_t>(central_size));
  put32(cd, static_cast<std::uint32_t>(central_offset));
  put16(cd, 0); // comment length
  if (auto r = put(cd); !r) return std::unexpected(r.error());
  return offset_;
}

} // namespace ankisync::protocol::detail
