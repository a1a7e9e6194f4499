#include "protocol/zip_read.hpp"

#include <minizip/unzip.h>

#include <cstdio>
#include <vector>

#include "protocol/stored_zip.hpp" // zip_piece_bytes

namespace ankisync::protocol::detail {

// The central directory read once at open: minizip walks members only in
// order, and callers ask for them by index and by name.
struct zip_reader {
  struct member {
    std::string name;
    std::uint64_t size = 0; // declared, uncompressed
    unz64_file_pos pos{};
  };
  unzFile file = nullptr;
  std::vector<member> members;
};

namespace {

sync_error bad_zip(std::string_view what, std::string_view label, std::string_view problem) {
  std::string msg(what);
  msg += ": ";
  if (!label.empty()) {
    msg += label;
    msg += ": ";
  }
  msg += problem;
  return make_error(error_code::bad_request, std::move(msg));
}

std::string read_problem(int code) {
  switch (code) {
  case UNZ_CRCERROR: return "CRC error";
  case UNZ_BADZIPFILE: return "not a valid zip member (unsupported method or damaged header)";
  case Z_DATA_ERROR: return "compressed data is damaged";
  case Z_MEM_ERROR: return "out of memory";
  default: return "cannot read the member (truncated or damaged zip)";
  }
}

// Fills `r.members` from the central directory; an error if it is damaged
// or names a member beyond max_zip_member_name.
std::optional<std::string> index_members(zip_reader& r, const unz_global_info64& global) {
  const std::string damaged = "damaged central directory";
  if (global.number_entry == 0) return std::nullopt;
  int at = unzGoToFirstFile(r.file);
  while (at == UNZ_OK) {
    unz_file_info64 info{};
    if (unzGetCurrentFileInfo64(r.file, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK)
      return damaged;
    if (info.size_filename > max_zip_member_name)
      return "a member name of " + std::to_string(info.size_filename) + " bytes, at most " +
             std::to_string(max_zip_member_name) + " allowed";
    zip_reader::member m;
    m.name.resize(info.size_filename);
    if (unzGetCurrentFileInfo64(r.file, &info, m.name.data(), static_cast<uLong>(m.name.size()),
                                nullptr, 0, nullptr, 0) != UNZ_OK ||
        unzGetFilePos64(r.file, &m.pos) != UNZ_OK)
      return damaged;
    m.size = info.uncompressed_size;
    r.members.push_back(std::move(m));
    at = unzGoToNextFile(r.file);
  }
  if (at != UNZ_END_OF_LIST_OF_FILE || r.members.size() != global.number_entry) return damaged;
  return std::nullopt;
}

// minizip reads through stdio with its default buffer of a few KiB: a
// member of 20 KB then costs a dozen read and lseek calls. One buffer of
// this size makes it one or two, and a seek within it none.
constexpr std::size_t read_buffer_bytes = 256 * 1024;

zlib_filefunc64_def buffered_file_functions() {
  static zlib_filefunc64_def plain = [] {
    zlib_filefunc64_def d{};
    fill_fopen64_filefunc(&d);
    return d;
  }();
  zlib_filefunc64_def d = plain;
  d.zopen64_file = [](voidpf opaque, const void* filename, int mode) -> voidpf {
    voidpf f = plain.zopen64_file(opaque, filename, mode);
    if (f)
      std::setvbuf(static_cast<std::FILE*>(f), nullptr, _IOFBF, read_buffer_bytes);
    return f;
  };
  return d;
}

} // namespace

void zip_archive_closer::operator()(zip_reader* z) const noexcept {
  if (!z) return;
  if (z->file) unzClose(z->file);
  delete z;
}

std::expected<zip_archive, sync_error> open_zip(const std::filesystem::path& path,
                                                std::string_view what) {
  // minizip says only "no"; a file we cannot even open is our failure.
  if (std::FILE* probe = std::fopen(path.c_str(), "rb"))
    std::fclose(probe);
  else
    return std::unexpected(make_error(error_code::server_error,
                                      std::string(what) + ": cannot open " + path.string()));
  zip_archive z(new zip_reader);
  auto functions = buffered_file_functions();
  z->file = unzOpen2_64(path.c_str(), &functions);
  if (!z->file) return std::unexpected(bad_zip(what, "", "not a zip file"));
  unz_global_info64 global{};
  if (unzGetGlobalInfo64(z->file, &global) != UNZ_OK)
    return std::unexpected(bad_zip(what, "", "damaged central directory"));
  if (global.number_entry > max_zip_members)
    return std::unexpected(bad_zip(what, "",
                                   std::to_string(global.number_entry) + " members, at most " +
                                       std::to_string(max_zip_members) + " allowed"));
  if (auto problem = index_members(*z, global)) return std::unexpected(bad_zip(what, "", *problem));
  return z;
}

std::optional<std::uint64_t> find_member(zip_reader* z, std::string_view name) {
  if (name.find('\0') != std::string_view::npos) return std::nullopt;
  for (std::size_t i = 0; i < z->members.size(); ++i)
    if (z->members[i].name == name) return i;
  return std::nullopt;
}

std::uint64_t member_count(zip_reader* z) { return z->members.size(); }

std::string member_name(zip_reader* z, std::uint64_t index) {
  return index < z->members.size() ? z->members[index].name : std::string();
}

std::optional<std::uint64_t> declared_size(zip_reader* z, std::uint64_t index) {
  if (index >= z->members.size()) return std::nullopt;
  return z->members[index].size;
}

std::expected<std::uint64_t, sync_error>
read_member(zip_reader* z, std::uint64_t index, std::uint64_t limit, over_limit mode,
            std::string_view what, std::string_view label,
            const std::function<std::expected<void, sync_error>(std::string_view)>& piece) {
  if (index >= z->members.size()) return std::unexpected(bad_zip(what, label, "no such member"));
  const auto& m = z->members[index];
  if (unzGoToFilePos64(z->file, &m.pos) != UNZ_OK)
    return std::unexpected(bad_zip(what, label, "damaged central directory"));
  if (int rc = unzOpenCurrentFile(z->file); rc != UNZ_OK)
    return std::unexpected(bad_zip(what, label, read_problem(rc)));
  // Closes the member on every way out; the CRC verdict comes from the
  // explicit close below.
  struct current_closer {
    unzFile f;
    bool open = true;
    ~current_closer() {
      if (open) unzCloseCurrentFile(f);
    }
  } current{z->file};

  std::vector<char> buf(zip_piece_bytes);
  std::uint64_t total = 0;
  bool stopped_early = false;
  for (;;) {
    // One byte past the limit tells "exactly at the limit" from "over it".
    const std::uint64_t room = limit - total + (mode == over_limit::fail ? 1 : 0);
    const std::uint64_t want = std::min<std::uint64_t>(buf.size(), room);
    if (want == 0) {
      stopped_early = true;
      break;
    }
    const int n = unzReadCurrentFile(z->file, buf.data(), static_cast<unsigned>(want));
    if (n < 0) return std::unexpected(bad_zip(what, label, read_problem(n)));
    if (n == 0) break;
    auto got = static_cast<std::uint64_t>(n);
    if (total + got > limit) {
      if (mode == over_limit::fail)
        return std::unexpected(make_error(error_code::bad_request,
                                          std::string(what) + ": " + std::string(label) +
                                              " larger than " + std::to_string(limit) + " bytes"));
      got = limit - total;
      stopped_early = true;
    }
    if (auto r = piece(std::string_view(buf.data(), got)); !r) return std::unexpected(r.error());
    total += got;
    if (stopped_early) break;
  }
  current.open = false;
  const int closed = unzCloseCurrentFile(z->file);
  // A member read to its end must match its CRC and declared size; one
  // cut short on purpose is not checked.
  if (!stopped_early) {
    if (closed != UNZ_OK) return std::unexpected(bad_zip(what, label, read_problem(closed)));
    if (total != m.size)
      return std::unexpected(bad_zip(what, label, "shorter than its declared size"));
  }
  return total;
}

std::expected<std::string, sync_error> read_member_bytes(zip_reader* z, std::uint64_t index,
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
