#include "protocol/zip_read.hpp"

#include <zip.h>

#include <vector>

#include "protocol/stored_zip.hpp" // zip_piece_bytes

namespace ankisync::protocol::detail {
namespace {

std::string zip_error_text(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string text = zip_error_strerror(&e);
  zip_error_fini(&e);
  return text;
}

// Codes that mean our own machine failed rather than the zip being bad.
bool is_local_failure(int code) {
  return code == ZIP_ER_OPEN || code == ZIP_ER_NOENT || code == ZIP_ER_MEMORY ||
         code == ZIP_ER_TMPOPEN;
}

sync_error zip_failure(int code, std::string_view what, std::string_view detail) {
  std::string msg(what);
  msg += ": ";
  msg += detail;
  if (!detail.empty()) msg += ": ";
  msg += zip_error_text(code);
  return make_error(is_local_failure(code) ? error_code::server_error : error_code::bad_request,
                    std::move(msg));
}

struct zip_file_closer {
  void operator()(zip_file_t* f) const noexcept {
    if (f) zip_fclose(f);
  }
};

} // namespace

void zip_archive_closer::operator()(::zip* z) const noexcept {
  if (z) zip_discard(z);
}

std::expected<zip_archive, sync_error> open_zip(const std::filesystem::path& path,
                                                std::string_view what) {
  int code = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!z) return std::unexpected(zip_failure(code, what, ""));
  return zip_archive(z);
}

std::optional<std::uint64_t> find_member(::zip* z, std::string_view name) {
  const std::string n(name); // libzip wants NUL termination
  if (n.size() != std::string_view(n.c_str()).size()) return std::nullopt;
  const zip_int64_t index = zip_name_locate(z, n.c_str(), ZIP_FL_ENC_GUESS);
  if (index < 0) return std::nullopt;
  return static_cast<std::uint64_t>(index);
}

std::uint64_t member_count(::zip* z) {
  const zip_int64_t n = zip_get_num_entries(z, 0);
  return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

std::string member_name(::zip* z, std::uint64_t index) {
  const char* name = zip_get_name(z, index, ZIP_FL_ENC_GUESS);
  return name ? std::string(name) : std::string();
}

std::optional<std::uint64_t> declared_size(::zip* z, std::uint64_t index) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(z, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) return std::nullopt;
  return st.size;
}

std::expected<std::uint64_t, sync_error>
read_member(::zip* z, std::uint64_t index, std::uint64_t limit, over_limit mode,
            std::string_view what, std::string_view label,
            const std::function<std::expected<void, sync_error>(std::string_view)>& piece) {
  std::unique_ptr<zip_file_t, zip_file_closer> f(zip_fopen_index(z, index, 0));
  if (!f) return std::unexpected(zip_failure(zip_error_code_zip(zip_get_error(z)), what, label));
  std::vector<char> buf(zip_piece_bytes);
  std::uint64_t total = 0;
  for (;;) {
    // One byte past the limit tells "exactly at the limit" from "over it".
    const std::uint64_t room = limit - total + (mode == over_limit::fail ? 1 : 0);
    const std::uint64_t want = std::min<std::uint64_t>(buf.size(), room);
    if (want == 0) break;
    const zip_int64_t n = zip_fread(f.get(), buf.data(), want);
    if (n < 0)
      return std::unexpected(
          zip_failure(zip_error_code_zip(zip_file_get_error(f.get())), what, label));
    if (n == 0) break;
    auto got = static_cast<std::uint64_t>(n);
    if (total + got > limit) {
      if (mode == over_limit::fail)
        return std::unexpected(make_error(error_code::bad_request,
                                          std::string(what) + ": " + std::string(label) +
                                              " larger than " + std::to_string(limit) + " bytes"));
      got = limit - total;
    }
    if (auto r = piece(std::string_view(buf.data(), got)); !r) return std::unexpected(r.error());
    total += got;
  }
  return total;
}

std::expected<std::string, sync_error> read_member_bytes(::zip* z, std::uint64_t index,
                                                         std::uint64_t limit, over_limit mode,
                                                         std::string_view what,
                                                         std::string_view label) {
  std::string out;
  auto r = read_member(z, index, limit, mode, what, label,
                       [&](std::string_view p) -> std::expected<void, sync_error> {
                         out.append(p);
                         return {};
                       });
  if (!r) return std::unexpected(r.error());
  return out;
}

} // namespace ankisync::protocol::detail
